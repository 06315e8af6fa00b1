// Pure fast-check generators for programs and sequences of ledger events; no services needed.
import fc from 'fast-check';
import { defaultProgramInput, programSchema, type Program, type ProgramInput } from '@points-engine/domain';

/**
 * Every property in test/unit/properties-*.test.ts runs with a fixed seed, so a failure reproduces
 * on the next run (fast-check prints the seed and the shrunk counterexample). Override with
 * FC_SEED=<n> to explore other cases, FC_RUNS=<n> to run more or fewer of them.
 */
export const FC_SEED = Number(process.env['FC_SEED'] ?? 20_260_310);
export function fcParams(numRuns: number): fc.Parameters<unknown> {
  const runs = process.env['FC_RUNS'] ? Number(process.env['FC_RUNS']) : numRuns;
  return { seed: FC_SEED, numRuns: runs, endOnFailure: false, interruptAfterTimeLimit: 120_000, markInterruptAsFailure: true };
}

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Sequences start somewhere in the day before this instant (so day boundaries fall anywhere). */
export const EPOCH = Date.parse('2026-03-10T00:00:00Z');

/** Users that act, plus one that is only ever referred (its first appearance is as a referral). */
export const ACTORS = ['u1', 'u2', 'u3'] as const;
export const REFERRABLE = [...ACTORS, 'u4'] as const;

/** Zones with odd offsets, DST (some jumping at midnight) and both ends of the date line. */
export const TIMEZONES = ['UTC', 'Europe/Moscow', 'America/New_York', 'America/Santiago', 'Pacific/Chatham', 'Asia/Kolkata', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'] as const;

const ORDERS: ProgramInput['spending']['order'][] = [
  ['allowance', 'credit', 'points'],
  ['points', 'credit', 'allowance'],
  ['credit', 'allowance', 'points'],
  ['points'],
  ['allowance', 'points'],
];

/**
 * A program near the default, as the few choices that make it (so a counterexample prints
 * small): small daily caps, rate limits, a small fast allowance, any spend order, odd time zones.
 */
export interface ProgramVariant {
  timezone: (typeof TIMEZONES)[number];
  dailyCap: number;
  /** min_interval_seconds of text_request, vision_request, chart_request. */
  intervals: [number, number, number];
  /** daily_login counts toward the daily cap (streak bonus included). */
  loginCapped: boolean;
  /** Capacity 10 (+ tokens / 540), a third back per cycle, instead of 370 and an 18th. */
  smallAllowance: boolean;
  order: ProgramInput['spending']['order'];
}

export const programArb: fc.Arbitrary<ProgramVariant> = fc.record({
  timezone: fc.constantFrom(...TIMEZONES),
  dailyCap: fc.constantFrom(0, 15, 40, 100, 1_000, 10_000),
  intervals: fc.tuple(fc.constantFrom(0, 1, 5, 60), fc.constantFrom(0, 10, 120), fc.constantFrom(0, 10)),
  loginCapped: fc.boolean(),
  smallAllowance: fc.boolean(),
  order: fc.constantFrom(...ORDERS),
});

const programs = new Map<string, Program>();
/** The validated program of a variant (built once per variant). */
export function programOf(variant: ProgramVariant): Program {
  const key = JSON.stringify(variant);
  const known = programs.get(key);
  if (known) return known;
  const input = structuredClone(defaultProgramInput);
  const activities = input.earning.activities;
  [activities['text_request'], activities['vision_request'], activities['chart_request']].forEach((rule, i) => {
    if (rule) rule.min_interval_seconds = variant.intervals[i] as number;
  });
  if (activities['daily_login']) activities['daily_login'].capped = variant.loginCapped;
  const program = programSchema.parse({
    ...input,
    timezone: variant.timezone,
    earning: { ...input.earning, daily_cap: variant.dailyCap },
    allowance: variant.smallAllowance ? { no_coiner_starter: 5_400, point_multi: 540, replenish_divisor: 3, cycle_minutes: 15 } : input.allowance,
    spending: { ...input.spending, order: variant.order },
  });
  programs.set(key, program);
  return program;
}

// ---- time --------------------------------------------------------------------------------------

/** How far the ledger's clock moves before a step: often not at all (same instant), up to days. */
export const advanceArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 12 * SECOND }) },
  { weight: 2, arbitrary: fc.integer({ min: 12 * SECOND, max: 20 * MINUTE }) },
  { weight: 2, arbitrary: fc.integer({ min: 20 * MINUTE, max: 30 * HOUR }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((days) => days * DAY) },
);

/**
 * When the producer says the event happened, relative to the ledger's clock: not said (it counts
 * at `now`), the same instant, late by seconds to days (out of order), or in the future (counts at
 * `now`). `offsetMinutes` is the UTC offset the timestamp is written with.
 */
export type Timing = { type: 'none' } | { type: 'past'; lagMs: number; offsetMinutes: number } | { type: 'future'; aheadMs: number; offsetMinutes: number };

const offsetArb = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -12 * 60, max: 14 * 60 }) });
export const timingArb: fc.Arbitrary<Timing> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Timing>({ type: 'none' }) },
  { weight: 1, arbitrary: offsetArb.map((offsetMinutes): Timing => ({ type: 'past', lagMs: 0, offsetMinutes })) },
  { weight: 2, arbitrary: fc.record({ lagMs: fc.integer({ min: 1, max: 90 * SECOND }), offsetMinutes: offsetArb }).map((t): Timing => ({ type: 'past', ...t })) },
  { weight: 2, arbitrary: fc.record({ lagMs: fc.integer({ min: 90 * SECOND, max: 2 * DAY }), offsetMinutes: offsetArb }).map((t): Timing => ({ type: 'past', ...t })) },
  { weight: 1, arbitrary: fc.record({ aheadMs: fc.integer({ min: 1, max: DAY }), offsetMinutes: offsetArb }).map((t): Timing => ({ type: 'future', ...t })) },
);

/** An ISO timestamp of `epochMs` written in a UTC offset (`Z` for 0), as producers may send it. */
export function isoWithOffset(epochMs: number, offsetMinutes: number): string {
  if (offsetMinutes === 0) return new Date(epochMs).toISOString();
  const local = new Date(epochMs + offsetMinutes * MINUTE).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

// ---- events ------------------------------------------------------------------------------------

/** What a step's cost is: an explicit amount or a priced task (unknown task types included). */
const costArb = fc.oneof(
  fc.integer({ min: 1, max: 600 }).map((amount) => ({ amount })),
  fc.record({
    task_type: fc.constantFrom('image', 'video', 'upscale', 'chat', 'teleport'),
    duration_seconds: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 120 }), fc.double({ min: 0, max: 120, noNaN: true })),
  }),
);

const userArb = fc.constantFrom(...ACTORS);
const adjustableAsset = fc.constantFrom('points', 'credit', 'allowance' as const);
const productArb = fc.oneof(
  fc.record({ type: fc.constant('credit_pack' as const), pack: fc.constantFrom('small', 'medium', 'large', 'mega') }),
  fc.record({ type: fc.constant('credit' as const), credit: fc.integer({ min: 1, max: 5_000 }) }),
  fc.record({ type: fc.constant('subscription' as const), tier: fc.constantFrom('BASIC', 'PREMIUM', 'VIP', 'FREE', 'GOLD'), periods: fc.integer({ min: 1, max: 3 }) }),
);

/**
 * One producer event without its idempotency key and time (the simulation adds both). References
 * to earlier events are indexes resolved against what happened so far: `hold` picks one of the
 * earlier hold keys (or, with `anyKey`, any earlier key), `target` one of the earlier keys (or a
 * key never used, when `missing`).
 */
export type EventDraft =
  | { kind: 'earn'; user_id: string; activity: string; referred_user_id?: string }
  | { kind: 'spend' | 'hold'; user_id: string; cost: Cost }
  | { kind: 'settle'; user_id: string | null; hold: number; anyKey: boolean; cost: Cost }
  | { kind: 'void'; user_id: string | null; hold: number; anyKey: boolean }
  | { kind: 'lapse_hold'; hold: number }
  | { kind: 'purchase_bonus'; user_id: string; product: Product; referrer_id?: string }
  | { kind: 'grant' | 'deduct'; user_id: string; asset: 'points' | 'credit' | 'allowance'; amount: number }
  | { kind: 'set_token_balance'; user_id: string; token_balance: string }
  | { kind: 'reverse'; user_id: string | null; target: number; missing: boolean };
type Cost = { amount: number } | { task_type: string; duration_seconds: number };
type Product = { type: 'credit_pack'; pack: string } | { type: 'credit'; credit: number } | { type: 'subscription'; tier: string; periods: number };

/** `user_id: null` in a reference means "the user of the event referred to" (so it can succeed). */
const referenceUser = fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: userArb });

const EARN_ACTIVITIES = ['text_request', 'vision_request', 'chart_request', 'daily_login', 'referral_signup', 'teleport'] as const;
export const earnArb: fc.Arbitrary<EventDraft> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('earn' as const), user_id: userArb, activity: fc.constantFrom('text_request', 'vision_request', 'chart_request') }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('earn' as const), user_id: userArb, activity: fc.constant('daily_login') }) },
  {
    weight: 1,
    arbitrary: fc.record(
      { kind: fc.constant('earn' as const), user_id: userArb, activity: fc.constantFrom(...EARN_ACTIVITIES), referred_user_id: fc.constantFrom(...REFERRABLE) },
      { requiredKeys: ['kind', 'user_id', 'activity'] },
    ),
  },
);

const tokenBalanceArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 2_000_000 }).map(String) },
  { weight: 1, arbitrary: fc.constant('0') },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 12n }).map(String) },
);

export const spendArb: fc.Arbitrary<EventDraft> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('spend' as const, 'hold' as const), user_id: userArb, cost: costArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle' as const), user_id: referenceUser, hold: fc.nat(), anyKey: fc.integer({ min: 0, max: 5 }).map((n) => n === 0), cost: costArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), user_id: referenceUser, hold: fc.nat(), anyKey: fc.integer({ min: 0, max: 5 }).map((n) => n === 0) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lapse_hold' as const), hold: fc.nat() }) },
);

export const adjustArb: fc.Arbitrary<EventDraft> = fc.oneof(
  fc.record({ kind: fc.constantFrom('grant' as const, 'deduct' as const), user_id: userArb, asset: adjustableAsset, amount: fc.integer({ min: 1, max: 1_500 }) }),
  fc.record({ kind: fc.constant('set_token_balance' as const), user_id: userArb, token_balance: tokenBalanceArb }),
);

export const purchaseArb: fc.Arbitrary<EventDraft> = fc.record(
  { kind: fc.constant('purchase_bonus' as const), user_id: userArb, product: productArb, referrer_id: fc.constantFrom(...REFERRABLE) },
  { requiredKeys: ['kind', 'user_id', 'product'] },
);

export const reverseArb: fc.Arbitrary<EventDraft> = fc.record({
  kind: fc.constant('reverse' as const),
  user_id: referenceUser,
  target: fc.nat(),
  missing: fc.boolean(),
}).map((draft) => ({ ...draft, missing: draft.missing && draft.target % 4 === 0 }));

/** One step of a scenario: the clock moves, then an event is applied or the 15-minute cycle runs. */
export type Step = { advanceMs: number } & ({ type: 'event'; draft: EventDraft; timing: Timing } | { type: 'cycle' });

export interface ScenarioOptions {
  /** Event mix; defaults to every kind. */
  events?: fc.Arbitrary<EventDraft>;
  /** Clock steps; defaults to `advanceArb`. */
  advance?: fc.Arbitrary<number>;
  /** Event times; defaults to `timingArb`. */
  timing?: fc.Arbitrary<Timing>;
  /** Weight of cycle steps against event steps (10); 0 for none. */
  cycleWeight?: number;
  minSteps?: number;
  maxSteps?: number;
  program?: fc.Arbitrary<ProgramVariant>;
}

export const anyEventArb: fc.Arbitrary<EventDraft> = fc.oneof(
  { weight: 5, arbitrary: earnArb },
  { weight: 5, arbitrary: spendArb },
  { weight: 2, arbitrary: adjustArb },
  { weight: 2, arbitrary: purchaseArb },
  { weight: 2, arbitrary: reverseArb },
);

export interface Scenario {
  program: ProgramVariant;
  /** The ledger clock at the start. */
  start: number;
  steps: Step[];
}

export function scenarioArb(options: ScenarioOptions = {}): fc.Arbitrary<Scenario> {
  const eventStep = fc.record({ type: fc.constant('event' as const), advanceMs: options.advance ?? advanceArb, draft: options.events ?? anyEventArb, timing: options.timing ?? timingArb });
  const cycleStep = fc.record({ type: fc.constant('cycle' as const), advanceMs: options.advance ?? advanceArb });
  const cycleWeight = options.cycleWeight ?? 2;
  const step: fc.Arbitrary<Step> = cycleWeight > 0 ? fc.oneof({ weight: 10, arbitrary: eventStep }, { weight: cycleWeight, arbitrary: cycleStep }) : eventStep;
  return fc.record({
    program: options.program ?? programArb,
    start: fc.integer({ min: EPOCH - DAY, max: EPOCH }),
    steps: fc.array(step, { minLength: options.minSteps ?? 1, maxLength: options.maxSteps ?? 40, size: 'max' }),
  });
}
