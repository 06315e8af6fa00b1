import type { EventTimeBound } from './event-time.ts';
import { levelFor } from './levels.ts';
import { postToBalances, systemAccount, transfer, userAccount, type AssetCode, type Bucket, type Posting, type SystemAccount } from './postings.ts';
import type { Program } from './program.schema.ts';
import { dayOf } from './time.ts';
import type { AppliedDecision, DayInflow, LimitReason, Notice } from './decision.ts';
import type { HoldState, UserState } from './user-state.ts';

/** What every decision is made against: the program and the instant the event counts at. */
export interface DecideContext {
  readonly program: Program;
  /** Epoch ms the ledger applies the event at. */
  readonly now: number;
  /** The arrival bound the API enforces, which sizes the earning rules' windows (default: DEFAULT_EVENT_TIME_BOUND). */
  readonly eventTimeBound?: EventTimeBound;
}

/**
 * Accumulates one event's postings and state changes on copies of the users it touches.
 * Pure: nothing here does I/O; the ledger writes what `applied()` returns.
 */
export class DecisionBuilder {
  private readonly postings: Posting[] = [];
  private readonly changed = new Map<string, UserState>();
  private readonly holds: HoldState[] = [];
  private readonly notices: Notice[] = [];
  private readonly inflows: DayInflow[] = [];

  constructor(
    private readonly ctx: DecideContext,
    private readonly users: ReadonlyMap<string, UserState>,
  ) {}

  user(userId: string): UserState {
    const state = this.changed.get(userId) ?? this.users.get(userId);
    if (!state) throw new Error(`user ${userId} was not loaded for this event`);
    return state;
  }

  update(userId: string, patch: Partial<Omit<UserState, 'userId' | 'balances'>>): UserState {
    const next = { ...this.user(userId), ...patch };
    this.changed.set(userId, next);
    return next;
  }

  /** Moves an amount between two buckets of one user's asset. */
  move(userId: string, asset: AssetCode, from: Bucket, to: Bucket, amount: number): void {
    this.post(transfer(userAccount(userId, asset, from), userAccount(userId, asset, to), amount));
  }

  /** Moves an amount from a system account into a user's bucket (negative: back out). */
  issue(userId: string, asset: AssetCode, source: SystemAccount, amount: number, bucket: Bucket = 'main'): void {
    if (amount >= 0) this.post(transfer(systemAccount(source, asset), userAccount(userId, asset, bucket), amount));
    else this.post(transfer(userAccount(userId, asset, bucket), systemAccount(source, asset), -amount));
  }

  balance(userId: string, asset: AssetCode, bucket: Bucket = 'main'): number {
    return this.user(userId).balances[`${asset}:${bucket}`] ?? 0;
  }

  /**
   * Credits earned points: lifetime earnings, the level (a crossing is recorded as a level-up)
   * and the day's lots all follow.
   */
  earnPoints(userId: string, amount: number, at: number, source: SystemAccount = 'issuance'): void {
    if (amount === 0) return;
    this.issue(userId, 'points', source, amount);
    const before = this.user(userId);
    const lifetimeEarned = before.lifetimeEarned + amount;
    const level = levelFor(lifetimeEarned, this.ctx.program.levels).level;
    if (level > before.level) this.notice({ type: 'level_up', userId, from: before.level, to: level });
    this.update(userId, { lifetimeEarned, level: Math.max(level, before.level) });
    this.inflow(userId, at, amount, amount);
  }

  inflow(userId: string, at: number, earned: number, inflow: number): void {
    this.inflows.push({ userId, day: dayOf(at, this.ctx.program.timezone), earned, inflow });
  }

  notice(notice: Notice): void {
    this.notices.push(notice);
  }

  hold(hold: HoldState): void {
    this.holds.push(hold);
  }

  post(postings: readonly Posting[]): void {
    if (postings.length === 0) return;
    this.postings.push(...postings);
    const touched = new Set(postings.flatMap((p) => (p.account.owner === 'user' ? [p.account.userId] : [])));
    for (const userId of touched) {
      const state = this.user(userId);
      this.changed.set(userId, { ...state, balances: postToBalances(userId, state.balances, postings) });
    }
  }

  applied(amount: number, reason: AppliedDecision['reason'], details: Record<string, unknown> = {}): AppliedDecision {
    return {
      status: 'applied',
      amount,
      reason,
      postings: this.postings,
      users: [...this.changed.values()],
      holds: this.holds,
      notices: this.notices,
      inflows: this.inflows,
      details,
    };
  }
}

/** The instant an event counts at: when the producer says it happened, never after it was applied. */
export function eventTime(occurredAt: string | undefined, now: number): number {
  if (occurredAt === undefined) return now;
  return Math.min(Date.parse(occurredAt), now);
}
