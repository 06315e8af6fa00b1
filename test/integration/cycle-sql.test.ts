// Isolation: each describe clones its own database from the migrated template (the collation one creates an ICU en-US
// database from template0 and migrates it) and drops it at the end; users are seeded
// straight in SQL through balanced seed transactions (as bench/scenarios/cycle.ts does); every cycle runs with an explicit
// period and instant. No Redis.
//
// Holds the set-based SQL cycle (cycle.batch.ts, cycle.run.ts) to the pure reference: for every user it visits, the
// balances, entries and system entries must be what `cycleForUser` + `cyclePostings` predict from the state before the run.
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ASSETS, cycleForUser, cycleIndex, defaultProgram, SYSTEM_ACCOUNTS, type BalanceKey, type Program, type UserState } from '@points-engine/domain';
import { connectDatabase, dropDatabase, migrateToLatest, type Db, type DbHandle } from '@points-engine/db';
import { checkInvariants, cyclePostings, ensureSystemAccounts, runCycle, toUserState, type LedgerContext, type SystemAccountIds } from '@points-engine/ledger';
import { withDatabase } from '../support/global-setup.ts';
import { createTestDatabase } from '../support/services.ts';
import { waitUntil } from '../support/wait.ts';
import { fcParams } from '../unit/support/arbitraries.ts';

const MINUTE = 60_000;
const CYCLE_MINUTES = defaultProgram.allowance.cycle_minutes;
const P0 = cycleIndex(Date.parse('2026-03-10T12:00:00Z'), CYCLE_MINUTES);
/** An instant inside cycle period `p` (one minute after it starts). */
const inPeriod = (p: number) => p * CYCLE_MINUTES * MINUTE + MINUTE;

type Handle = Awaited<ReturnType<typeof createTestDatabase>>;

async function openLedger(): Promise<{ handle: Handle; ctx: LedgerContext }> {
  const handle = await createTestDatabase();
  const systemAccounts = await ensureSystemAccounts(handle.db, SYSTEM_ACCOUNTS, ASSETS);
  return { handle, ctx: { db: handle.db, program: defaultProgram, systemAccounts, retry: { applyLock: true } } };
}

const ctxFor = (ctx: LedgerContext, period: number, program = ctx.program): LedgerContext => ({ ...ctx, program, now: () => inPeriod(period) });

// ---------------------------------------------------------------------------------------------
// Seeding: users rows, accounts and one balanced seed transaction, straight in SQL.

interface SeedUser {
  id: string;
  capacity: number | null;
  /** Accounts to create (a 0 creates the account with no entry; a missing key creates none). */
  balances: Partial<Record<BalanceKey, number>>;
}

/**
 * Creates the users and their accounts and gives every non-zero balance an entry in one seed
 * transaction whose other side is `issuance` of each asset. Account rows are inserted in a
 * pseudo-random order (md5 of the key), so the accounts of different users interleave on pages.
 */
async function seed(db: Db, systemAccounts: SystemAccountIds, users: readonly SeedUser[], key: string): Promise<void> {
  const rows = users.flatMap((user) =>
    Object.entries(user.balances).map(([balanceKey, balance]) => {
      const [asset, bucket] = balanceKey.split(':') as [string, string];
      return { user: user.id, asset, bucket, balance: String(balance) };
    }),
  );
  const issuance = ASSETS.map((asset) => {
    const id = systemAccounts.get(`issuance:${asset}`);
    if (!id) throw new Error(`no issuance:${asset}`);
    return id;
  });
  await db.transaction().execute(async (tx) => {
    await sql`
      INSERT INTO users (user_id, allowance_capacity)
      SELECT u, c FROM unnest(${users.map((u) => u.id)}::text[], ${users.map((u) => (u.capacity === null ? null : String(u.capacity)))}::int8[]) AS x(u, c)`.execute(tx);
    const transaction = await sql<{ id: string }>`
      INSERT INTO ledger_transactions (idempotency_key, kind, user_id, status, amount, payload_hash, payload, outcome)
      VALUES (${key}, 'seed', '$system', 'applied', 0, 'seed', '{}', '{}') RETURNING id::text`.execute(tx);
    const transactionId = (transaction.rows[0] as { id: string }).id;
    await sql`
      WITH a AS (
        INSERT INTO accounts (user_id, asset, bucket, balance, min_balance)
        SELECT u, s, b, v, 0
        FROM unnest(${rows.map((r) => r.user)}::text[], ${rows.map((r) => r.asset)}::text[], ${rows.map((r) => r.bucket)}::text[], ${rows.map((r) => r.balance)}::int8[]) AS x(u, s, b, v)
        ORDER BY md5(u || s || b)
        RETURNING id, user_id, asset, balance)
      INSERT INTO entries (transaction_id, account_id, user_id, asset, amount, balance_before, balance_after)
      SELECT ${transactionId}::int8, id, user_id, asset, balance, 0, balance FROM a WHERE balance > 0`.execute(tx);
    await sql`
      INSERT INTO entries (transaction_id, account_id, asset, amount)
      SELECT ${transactionId}::int8, s.id, e.asset, -sum(e.amount)
      FROM entries e JOIN unnest(${[...ASSETS]}::text[], ${issuance}::int8[]) AS s(asset, id) ON s.asset = e.asset
      WHERE e.transaction_id = ${transactionId}::int8
      GROUP BY e.asset, s.id HAVING sum(e.amount) <> 0`.execute(tx);
  });
}

// ---------------------------------------------------------------------------------------------
// The reference: the state of every user before a run, and what cycleForUser + cyclePostings make of it.

/** Every user's state as the ledger would load it (users row + account balances, through toUserState). */
async function loadStates(db: Db, program: Program): Promise<Map<string, UserState>> {
  const rows = await db.selectFrom('users').selectAll().orderBy('user_id').execute();
  const accounts = await db.selectFrom('accounts').select(['user_id', 'asset', 'bucket', 'balance']).where('user_id', 'is not', null).execute();
  const balances = new Map<string, Record<string, number>>();
  for (const account of accounts) {
    const user = account.user_id as string;
    const map = balances.get(user) ?? {};
    map[`${account.asset}:${account.bucket}`] = Number(account.balance);
    balances.set(user, map);
  }
  return new Map(rows.map((row) => [row.user_id, toUserState(row, balances.get(row.user_id) ?? {}, program)]));
}

/** Whether the cycle must visit this user: something in a `used` or `pending` bucket. */
const isCandidate = (state: UserState) =>
  Object.entries(state.balances).some(([key, balance]) => (key.endsWith(':used') || key.endsWith(':pending')) && (balance ?? 0) > 0);

const nonZero = (balances: Readonly<Record<string, number | undefined>>): Record<string, number> =>
  Object.fromEntries(Object.entries(balances).filter(([, balance]) => (balance ?? 0) !== 0)) as Record<string, number>;

interface Expected {
  candidates: Set<string>;
  /** Non-zero balances of every user after the run. */
  after: Map<string, Record<string, number>>;
  /** Net change per `user|asset:bucket` (non-zero only). */
  deltas: Map<string, number>;
  /** Net change per system account `name:asset` (non-zero only). */
  system: Map<string, number>;
}

function expectedCycle(states: ReadonlyMap<string, UserState>, program: Program): Expected {
  const candidates = new Set<string>();
  const after = new Map<string, Record<string, number>>();
  const deltas = new Map<string, number>();
  const system = new Map<string, number>();
  for (const [userId, state] of states) {
    const balances: Record<string, number> = { ...(state.balances as Record<string, number>) };
    if (isCandidate(state)) {
      candidates.add(userId);
      const effect = cycleForUser(state, program);
      const postings = cyclePostings(userId, effect, state.balances['credit:used'] ?? 0, state.balances['points:used'] ?? 0);
      for (const { account, amount } of postings) {
        if (account.owner === 'system') {
          const key = `${account.name}:${account.asset}`;
          system.set(key, (system.get(key) ?? 0) + amount);
        } else {
          const key = `${account.asset}:${account.bucket}`;
          balances[key] = (balances[key] ?? 0) + amount;
          deltas.set(`${userId}|${key}`, (deltas.get(`${userId}|${key}`) ?? 0) + amount);
        }
      }
    }
    after.set(userId, nonZero(balances));
  }
  for (const map of [deltas, system]) for (const [key, amount] of map) if (amount === 0) map.delete(key);
  return { candidates, after, deltas, system };
}

async function currentBalances(db: Db): Promise<Map<string, Record<string, number>>> {
  const states = await loadStates(db, defaultProgram);
  return new Map([...states].map(([userId, state]) => [userId, nonZero(state.balances as Record<string, number>)]));
}

/** The entries the cycle transactions of one period wrote, per user account and per system account. */
async function periodEntries(db: Db, period: number) {
  const rows = await sql<{ user_id: string | null; system_name: string | null; asset: string; bucket: string; amount: string; balance_before: string | null; balance_after: string | null }>`
    SELECT e.user_id, a.system_name, e.asset, a.bucket, e.amount::text, e.balance_before::text, e.balance_after::text
    FROM entries e JOIN ledger_transactions t ON t.id = e.transaction_id JOIN accounts a ON a.id = e.account_id
    WHERE t.kind = 'cycle' AND t.idempotency_key LIKE ${`cycle:${period}:%`}
    ORDER BY e.id`.execute(db);
  const user = new Map<string, { amount: number; before: number; after: number; count: number }>();
  const system = new Map<string, number>();
  for (const row of rows.rows) {
    if (row.system_name !== null) {
      const key = `${row.system_name}:${row.asset}`;
      system.set(key, (system.get(key) ?? 0) + Number(row.amount));
      continue;
    }
    const key = `${row.user_id}|${row.asset}:${row.bucket}`;
    const seen = user.get(key);
    user.set(key, { amount: Number(row.amount), before: Number(row.balance_before), after: Number(row.balance_after), count: (seen?.count ?? 0) + 1 });
  }
  return { user, system };
}

/**
 * Every user account's entries, in id order, chain: the first starts from 0, each starts where
 * the previous ended, the last ends at the stored balance. Returns the breaks.
 */
async function chainBreaks(db: Db): Promise<Record<string, unknown>[]> {
  const rows = await sql<Record<string, unknown>>`
    WITH x AS (
      SELECT e.id, e.account_id, e.balance_before, e.balance_after,
        lag(e.balance_after) OVER (PARTITION BY e.account_id ORDER BY e.id) AS previous,
        row_number() OVER (PARTITION BY e.account_id ORDER BY e.id DESC) AS from_end
      FROM entries e WHERE e.user_id IS NOT NULL)
    SELECT x.id::text AS entry_id, a.user_id, a.asset, a.bucket, x.balance_before::text, x.previous::text, x.balance_after::text, a.balance::text AS stored
    FROM x JOIN accounts a ON a.id = x.account_id
    WHERE x.balance_before IS DISTINCT FROM coalesce(x.previous, 0) OR (x.from_end = 1 AND x.balance_after IS DISTINCT FROM a.balance)
    LIMIT 20`.execute(db);
  return rows.rows;
}

/**
 * Checks a finished period against the reference computed from the states before it: every
 * user's balances, one entry per changed account with its balance before and after, the system
 * entries, the entry chains and the ledger invariants.
 */
async function expectPeriodMatches(db: Db, period: number, before: ReadonlyMap<string, UserState>, expected: Expected): Promise<void> {
  const actual = await currentBalances(db);
  const mismatched = [...expected.after]
    .filter(([userId, balances]) => JSON.stringify(sorted(actual.get(userId) ?? {})) !== JSON.stringify(sorted(balances)))
    .map(([userId, balances]) => ({ userId, before: before.get(userId)?.balances, capacity: before.get(userId)?.allowanceCapacity, expected: balances, actual: actual.get(userId) }));
  expect(mismatched.slice(0, 5), `${mismatched.length} users differ from cycleForUser + cyclePostings`).toEqual([]);

  const entries = await periodEntries(db, period);
  const expectedEntries = new Map(
    [...expected.deltas].map(([key, amount]) => {
      const [userId, balanceKey] = key.split('|') as [string, BalanceKey];
      const previous = before.get(userId)?.balances[balanceKey] ?? 0;
      return [key, { amount, before: previous, after: previous + amount, count: 1 }];
    }),
  );
  expect(Object.fromEntries(entries.user)).toEqual(Object.fromEntries(expectedEntries));
  expect(Object.fromEntries(entries.system)).toEqual(Object.fromEntries(expected.system));
  expect(await chainBreaks(db)).toEqual([]);
  expect(await checkInvariants(db)).toEqual([]);
}

const sorted = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

// ---------------------------------------------------------------------------------------------
// cycle_runs

interface StreamRow {
  period: string;
  cursor: string | null;
  until: string | null;
  users: string;
  finished: boolean;
  /** Ordering checks done by PostgreSQL (its collation decides what a range holds). */
  after_previous: boolean;
  cursor_in_range: boolean;
}

async function streamRows(db: Db, period: number): Promise<StreamRow[]> {
  const rows = await sql<StreamRow>`
    WITH s AS (
      SELECT period, cursor, until, users::text, finished_at IS NOT NULL AS finished,
        split_part(period, ':', 2)::int AS i,
        lag(until) OVER (ORDER BY split_part(period, ':', 2)::int) AS previous_until
      FROM cycle_runs WHERE kind = 'cycle-stream' AND period LIKE ${`${period}:%`})
    SELECT period, cursor, until, users, finished,
      (i = 0 OR previous_until < until OR until IS NULL) AS after_previous,
      (coalesce(cursor, '') >= coalesce(previous_until, '') AND (until IS NULL OR cursor <= until)) AS cursor_in_range
    FROM s ORDER BY i`.execute(db);
  return rows.rows;
}

async function parentRow(db: Db, period: number) {
  return db.selectFrom('cycle_runs').select(['cursor', 'users', 'finished_at']).where('kind', '=', 'cycle').where('period', '=', String(period)).executeTakeFirst();
}

/** Stores a plan for a period as a run that crashed after planning would have left it: the parent row and one row per range. */
async function storePlan(db: Db, period: number, bounds: readonly string[]): Promise<void> {
  await sql`INSERT INTO cycle_runs (kind, period, cursor) VALUES ('cycle', ${String(period)}, '')`.execute(db);
  const ranges = [...bounds, null].map((until, i) => ({
    kind: 'cycle-stream',
    period: `${period}:${i}`,
    cursor: i === 0 ? '' : (bounds[i - 1] as string),
    until,
  }));
  await db.insertInto('cycle_runs').values(ranges).execute();
}

/** Distinct bounds in PostgreSQL's order (its collation, not JavaScript's, decides the ranges). */
async function orderBounds(db: Db, bounds: readonly string[]): Promise<string[]> {
  const rows = await sql<{ b: string }>`SELECT DISTINCT b FROM unnest(${[...bounds]}::text[]) AS x(b) ORDER BY b`.execute(db);
  return rows.rows.map((r) => r.b);
}

async function count(db: Db, table: 'entries' | 'ledger_transactions'): Promise<number> {
  const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

// ---------------------------------------------------------------------------------------------

describe('the set-based cycle equals cycleForUser + cyclePostings (property)', () => {
  let handle: Handle;
  let ctx: LedgerContext;
  beforeAll(async () => {
    ({ handle, ctx } = await openLedger());
  });
  afterAll(async () => {
    await handle?.close();
  });

  const small = fc.integer({ min: 1, max: 1_000 });
  const large = fc.integer({ min: 1, max: 999_999_999_999 });
  const amount = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: small }, { weight: 1, arbitrary: large });
  /** An account that may not exist at all. */
  const account = fc.option(amount, { nil: undefined, freq: 3 });
  const userArb = fc.record({
    suffix: fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,10}$/),
    main: account,
    held: account,
    used: account,
    pending: account,
    creditUsed: account,
    pointsUsed: account,
    experience: fc.oneof(
      { weight: 4, arbitrary: account },
      // Close to 2^53 − 1: the flush saturates there.
      { weight: 1, arbitrary: fc.integer({ min: Number.MAX_SAFE_INTEGER - 2_000_000_000_000, max: Number.MAX_SAFE_INTEGER }) },
    ),
    capacity: fc.oneof(
      fc.constant({ kind: 'null' as const }),
      fc.constant({ kind: 'fixed' as const, value: 0 }),
      fc.record({ kind: fc.constant('fixed' as const), value: fc.oneof(small, large) }),
      // Relative to the user's allowance total: below it (trimming), equal, or above.
      fc.record({ kind: fc.constant('relative' as const), value: fc.integer({ min: -2_000, max: 2_000 }) }),
    ),
  });
  const runArb = fc.record({
    users: fc.uniqueArray(userArb, { minLength: 1, maxLength: 30, selector: (u) => u.suffix }),
    streams: fc.integer({ min: 1, max: 4 }),
    batchSize: fc.integer({ min: 1, max: 7 }),
    /** null: runCycle plans the ranges itself; otherwise a stored plan with these bounds (a rerun after a crash right after planning). */
    plan: fc.option(fc.array(fc.oneof(fc.nat(), fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,6}$/)), { minLength: 1, maxLength: 3 }), { nil: null, freq: 2 }),
    counts: fc.record({ allowance: fc.boolean(), credit: fc.boolean(), points: fc.boolean() }),
    divisor: fc.oneof(fc.constant(defaultProgram.allowance.replenish_divisor), fc.integer({ min: 1, max: 40 })),
  });

  let run = 0;

  it('for random users, streams, batch sizes and plans, every visited user gets exactly the reference cycle', async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async (r) => {
        run++;
        const period = P0 + run;
        const program: Program = {
          ...defaultProgram,
          assets: {
            ...defaultProgram.assets,
            allowance: { ...defaultProgram.assets.allowance, counts_as_experience: r.counts.allowance },
            credit: { ...defaultProgram.assets.credit, counts_as_experience: r.counts.credit },
            points: { ...defaultProgram.assets.points, counts_as_experience: r.counts.points },
          },
          allowance: { ...defaultProgram.allowance, replenish_divisor: r.divisor },
        };
        const users: SeedUser[] = r.users.map((u) => {
          const balances: Partial<Record<BalanceKey, number>> = {};
          const set = (key: BalanceKey, value: number | undefined) => {
            if (value !== undefined) balances[key] = value;
          };
          set('allowance:main', u.main);
          set('allowance:held', u.held);
          set('allowance:used', u.used);
          set('allowance:pending', u.pending);
          set('credit:used', u.creditUsed);
          set('points:used', u.pointsUsed);
          set('experience:main', u.experience);
          const total = (u.main ?? 0) + (u.held ?? 0) + (u.used ?? 0) + (u.pending ?? 0);
          const capacity = u.capacity.kind === 'null' ? null : u.capacity.kind === 'fixed' ? u.capacity.value : Math.max(0, total + u.capacity.value);
          return { id: `${u.suffix}@r${run}`, capacity, balances };
        });
        await seed(handle.db, ctx.systemAccounts, users, `seed:property:${run}`);

        // Earlier runs' users still waiting for replenishment are visited too, and held to the reference as well.
        const before = await loadStates(handle.db, program);
        for (const user of users) {
          expect(nonZero(before.get(user.id)?.balances as Record<string, number>)).toEqual(nonZero(user.balances as Record<string, number>));
          expect(before.get(user.id)?.allowanceCapacity).toBe(user.capacity);
        }
        const expected = expectedCycle(before, program);
        const entriesBefore = await count(handle.db, 'entries');

        let planned: string[] | null = null;
        if (r.plan !== null) {
          const ids = [...before.keys()];
          planned = await orderBounds(handle.db, r.plan.map((b) => (typeof b === 'number' ? (ids[b % ids.length] as string) : b)));
          await storePlan(handle.db, period, planned);
        }
        const result = await runCycle(ctxFor(ctx, period, program), period, r.batchSize, r.streams);

        expect(result.users).toBe(expected.candidates.size);
        await expectPeriodMatches(handle.db, period, before, expected);
        const streams = await streamRows(handle.db, period);
        if (planned !== null) expect(streams.map((s) => s.until)).toEqual([...planned, null]);
        else expect(streams.length).toBeLessThanOrEqual(r.streams);
        expect(streams.length).toBeGreaterThanOrEqual(1);
        expect(streams.every((s) => s.finished && s.after_previous && s.cursor_in_range), JSON.stringify(streams)).toBe(true);
        expect(streams.slice(0, -1).every((s) => s.until !== null)).toBe(true);
        expect(streams.at(-1)?.until).toBeNull();
        expect(streams.reduce((sum, s) => sum + Number(s.users), 0)).toBe(expected.candidates.size);
        const parent = await parentRow(handle.db, period);
        expect(parent?.finished_at).not.toBeNull();
        expect(Number(parent?.users)).toBe(expected.candidates.size);

        // The finished period is not run again.
        expect(await runCycle(ctxFor(ctx, period, program), period, r.batchSize, r.streams)).toEqual({ users: 0, batches: 0 });
        expect(await count(handle.db, 'entries')).toBe(entriesBefore + (await periodEntryCount(handle.db, period)));
      }),
      fcParams(30),
    );
  }, 180_000);
});

async function periodEntryCount(db: Db, period: number): Promise<number> {
  const row = await sql<{ n: string }>`
    SELECT count(*)::text AS n FROM entries e JOIN ledger_transactions t ON t.id = e.transaction_id
    WHERE t.kind = 'cycle' AND t.idempotency_key LIKE ${`cycle:${period}:%`}`.execute(db);
  return Number(row.rows[0]?.n);
}

/** A small deterministic generator (mulberry32), so the seeded data is the same on every run. */
function prng(seedValue: number): (max: number) => number {
  let state = seedValue >>> 0;
  return (max) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % max);
  };
}

/** Balances of a user who used part of the allowance, credit and points (or, when `idle`, only holds some available allowance). */
function randomBalances(random: (max: number) => number, idle: boolean): Partial<Record<BalanceKey, number>> {
  if (idle) return { 'allowance:main': random(400) };
  const balances: Partial<Record<BalanceKey, number>> = { 'allowance:main': random(400), 'allowance:used': 1 + random(300) };
  if (random(2) === 0) balances['allowance:pending'] = random(300);
  if (random(3) === 0) balances['allowance:held'] = random(50);
  if (random(3) === 0) balances['credit:used'] = random(1_000);
  if (random(3) === 0) balances['points:used'] = random(1_000);
  if (random(2) === 0) balances['experience:main'] = random(100_000);
  return balances;
}

describe('streams cover every user exactly once', () => {
  let handle: Handle;
  let ctx: LedgerContext;
  beforeAll(async () => {
    ({ handle, ctx } = await openLedger());
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('500 users spread over the key space, 4 streams, batches of 37: each visited once, ranges contiguous, a rerun changes nothing', async () => {
    const random = prng(500);
    // Ids spread over the whole key space (letters of both cases, digits, - and _).
    const users: SeedUser[] = Array.from({ length: 500 }, (_, i) => ({
      id: createHash('sha256').update(`spread:${i}`).digest('base64url').slice(0, 10),
      capacity: random(5) === 0 ? null : 370,
      balances: randomBalances(random, i % 7 === 0),
    }));
    // Idle users (an empty points account each) whose accounts interleave with the others' on
    // the table's pages, as on a real ledger: the planner's 1% page sample then finds users to
    // split at (a table of a few dozen pages is usually sampled empty and runs as one stream).
    const idle: SeedUser[] = Array.from({ length: 40_000 }, (_, i) => ({ id: `idle-${i}`, capacity: null, balances: { 'points:main': 0 } }));
    await seed(handle.db, ctx.systemAccounts, [...users, ...idle], 'seed:spread');
    await sql`ANALYZE`.execute(handle.db);

    const period = P0;
    const before = await loadStates(handle.db, ctx.program);
    const expected = expectedCycle(before, ctx.program);
    expect(expected.candidates.size).toBe(users.filter((u) => Object.entries(u.balances).some(([k, v]) => /:(used|pending)$/.test(k) && (v ?? 0) > 0)).length);
    expect(expected.candidates.size).toBeGreaterThan(400);

    const result = await runCycle(ctxFor(ctx, period), period, 37, 4);
    expect(result.users).toBe(expected.candidates.size);
    await expectPeriodMatches(handle.db, period, before, expected);
    const after = await currentBalances(handle.db);
    for (const user of users) {
      const balances = after.get(user.id) ?? {};
      expect([balances['allowance:used'], balances['credit:used'], balances['points:used']], user.id).toEqual([undefined, undefined, undefined]);
    }

    const streams = await streamRows(handle.db, period);
    expect(streams.length).toBeGreaterThanOrEqual(1);
    expect(streams.length).toBeLessThanOrEqual(4);
    expect(streams.map((s) => s.period)).toEqual(streams.map((_, i) => `${period}:${i}`));
    // Stream i's range ends where stream i+1's starts (each stream starts at the previous until), the last is unbounded.
    expect(streams.every((s) => s.finished && s.after_previous && s.cursor_in_range), JSON.stringify(streams)).toBe(true);
    expect(streams.slice(0, -1).every((s) => s.until !== null)).toBe(true);
    expect(streams.at(-1)?.until).toBeNull();
    expect(streams.reduce((sum, s) => sum + Number(s.users), 0)).toBe(expected.candidates.size);
    expect(result.batches).toBe(streams.reduce((sum, s) => sum + Math.ceil(Number(s.users) / 37), 0));
    const parent = await parentRow(handle.db, period);
    expect(parent).toMatchObject({ cursor: null, users: String(expected.candidates.size) });
    expect(parent?.finished_at).not.toBeNull();

    // The same period again: nothing to do, nothing written.
    const entries = await count(handle.db, 'entries');
    const transactions = await count(handle.db, 'ledger_transactions');
    expect(await runCycle(ctxFor(ctx, period), period, 37, 4)).toEqual({ users: 0, batches: 0 });
    expect(await count(handle.db, 'entries')).toBe(entries);
    expect(await count(handle.db, 'ledger_transactions')).toBe(transactions);
    expect(await currentBalances(handle.db)).toEqual(after);
    expect(await streamRows(handle.db, period)).toEqual(streams);
  }, 120_000);
});

describe('a period that crashed part-way resumes where it stopped', () => {
  let handle: Handle;
  let ctx: LedgerContext;
  beforeAll(async () => {
    ({ handle, ctx } = await openLedger());
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('a stream whose batch failed keeps its committed batches; the rerun visits only the users after its cursor', async () => {
    const random = prng(60);
    const id = (i: number) => `c${String(i).padStart(2, '0')}`;
    const users: SeedUser[] = Array.from({ length: 60 }, (_, i) => ({ id: id(i), capacity: 370, balances: randomBalances(random, false) }));
    await seed(handle.db, ctx.systemAccounts, users, 'seed:crash');
    const period = P0;
    const before = await loadStates(handle.db, ctx.program);
    const expected = expectedCycle(before, ctx.program);
    expect(expected.candidates.size).toBe(60);
    const seeded = await currentBalances(handle.db);

    // Three ranges: (…, c19], (c19, c39], (c39, …). The middle stream's batch that reaches c27
    // fails (a trigger stands in for the process dying mid-batch): batches c20–c23 committed, c24–c27 rolled back.
    await storePlan(handle.db, period, ['c19', 'c39']);
    await sql`CREATE FUNCTION crash_at_c27() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated crash at %', NEW.user_id; END $$`.execute(handle.db);
    await sql`CREATE TRIGGER crash_at_c27 BEFORE UPDATE ON accounts FOR EACH ROW WHEN (NEW.user_id = 'c27') EXECUTE FUNCTION crash_at_c27()`.execute(handle.db);
    await expect(runCycle(ctxFor(ctx, period), period, 4, 3)).rejects.toThrow(/simulated crash at c27/);
    // The other two streams run on by themselves; wait for them to finish.
    await waitUntil('streams 0 and 2 to finish', async () => {
      const rows = await streamRows(handle.db, period);
      return rows[0]?.finished && rows[2]?.finished ? rows : undefined;
    });

    const crashed = await streamRows(handle.db, period);
    expect(crashed.map((s) => [s.cursor, s.until, s.users, s.finished])).toEqual([
      ['c19', 'c19', '20', true],
      ['c23', 'c39', '4', false],
      ['c59', null, '20', true],
    ]);
    expect((await parentRow(handle.db, period))?.finished_at).toBeNull();
    const midway = await currentBalances(handle.db);
    for (let i = 0; i < 60; i++) {
      const done = i <= 23 || i >= 40;
      expect(midway.get(id(i)), `${id(i)} ${done ? 'processed' : 'untouched'}`).toEqual(done ? expected.after.get(id(i)) : seeded.get(id(i)));
    }

    // The process is back: the rerun finishes the middle stream from c23, and nobody twice.
    await sql`DROP TRIGGER crash_at_c27 ON accounts`.execute(handle.db);
    const resumed = await runCycle(ctxFor(ctx, period), period, 4, 3);
    expect(resumed).toEqual({ users: 16, batches: 4 });
    await expectPeriodMatches(handle.db, period, before, expected);
    const streams = await streamRows(handle.db, period);
    expect(streams.map((s) => [s.cursor, s.users, s.finished])).toEqual([
      ['c19', '20', true],
      ['c39', '20', true],
      ['c59', '20', true],
    ]);
    const parent = await parentRow(handle.db, period);
    expect(parent).toMatchObject({ cursor: null, users: '60' });
    expect(parent?.finished_at).not.toBeNull();
    expect(await runCycle(ctxFor(ctx, period), period, 4, 3)).toEqual({ users: 0, batches: 0 });
  });
});

describe('streams under a non-C collation (ICU en-US) are ranges in the database order', () => {
  // This describe's database collates user ids as ICU en-US, where 'a…' sorts before 'Z…' (in
  // byte order, and for JavaScript's sort, 'Z…' comes first). The planner's range bounds must
  // stay in the database's order: re-sorted in JavaScript they made ranges that overlap in the
  // database, and the users inside two ranges were cycled twice. Created from template0 (a clone
  // of the C-collated test template keeps that collation). A server that cannot create an ICU
  // database fails beforeAll, and with it this describe: it is never skipped.
  let url: string | undefined;
  let handle: DbHandle | undefined;
  let ctx: LedgerContext;
  beforeAll(async () => {
    const name = `pe_test_icu_${randomBytes(6).toString('hex')}`;
    url = withDatabase(inject('postgresUrl'), name);
    const admin = new pg.Client({ connectionString: withDatabase(inject('postgresUrl'), 'postgres') });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`);
    } finally {
      await admin.end();
    }
    handle = connectDatabase(url, { max: 8 });
    await migrateToLatest(handle.db);
    const systemAccounts = await ensureSystemAccounts(handle.db, SYSTEM_ACCOUNTS, ASSETS);
    ctx = { db: handle.db, program: defaultProgram, systemAccounts, retry: { applyLock: true } };
  });
  afterAll(async () => {
    await handle?.close();
    if (url) await dropDatabase(url);
  });

  it("3000 users with 'a…' and 'Z…' ids, 4 streams, batches of 50: bounds in the database's order, each user cycled once", async () => {
    const db = (handle as DbHandle).db;
    const collation = await sql<{ provider: string; a_first: boolean }>`
      SELECT datlocprovider AS provider, 'a1' < 'Z1' AS a_first FROM pg_database WHERE datname = current_database()`.execute(db);
    expect(collation.rows).toEqual([{ provider: 'i', a_first: true }]);
    expect('Z1' < 'a1').toBe(true);

    // Every user has four accounts the planner samples (used and pending). With the idle users'
    // accounts the table has ~1900 pages, so its 1% page sample holds ~100 of those accounts,
    // about half of each kind of id: the bounds fall among both (asserted below).
    const random = prng(3000);
    const users: SeedUser[] = Array.from({ length: 3000 }, (_, i) => ({
      id: (i % 2 ? 'a' : 'Z') + createHash('sha256').update(`icu:${i}`).digest('hex').slice(0, 9),
      capacity: random(5) === 0 ? null : 370,
      balances: {
        'allowance:main': random(400),
        'allowance:used': 1 + random(300),
        'allowance:pending': 1 + random(300),
        'credit:used': 1 + random(1_000),
        'points:used': 1 + random(1_000),
        ...(random(2) === 0 ? { 'experience:main': random(100_000) } : {}),
      },
    }));
    const zero = { 'points:main': 0, 'credit:main': 0, 'experience:main': 0, 'allowance:main': 0, 'allowance:held': 0 };
    const idle: SeedUser[] = Array.from({ length: 25_000 }, (_, i) => ({ id: `idle-${i}`, capacity: null, balances: zero }));
    await seed(db, ctx.systemAccounts, [...users, ...idle], 'seed:icu');
    await sql`ANALYZE`.execute(db);

    const period = P0;
    const before = await loadStates(db, ctx.program);
    const expected = expectedCycle(before, ctx.program);
    expect(expected.candidates).toEqual(new Set(users.map((u) => u.id)));

    const result = await runCycle(ctxFor(ctx, period), period, 50, 4);

    // Each user visited exactly once: one cycle transaction per user, and the reference applied once.
    const visits = await sql<{ user_id: string; transactions: number }>`
      SELECT e.user_id, count(DISTINCT e.transaction_id)::int AS transactions
      FROM entries e JOIN ledger_transactions t ON t.id = e.transaction_id
      WHERE t.kind = 'cycle' AND t.idempotency_key LIKE ${`cycle:${period}:%`} AND e.user_id IS NOT NULL
      GROUP BY e.user_id`.execute(db);
    const twice = visits.rows.filter((v) => v.transactions !== 1);
    expect(twice.slice(0, 5), `${twice.length} users cycled more than once`).toEqual([]);
    expect(new Set(visits.rows.map((v) => v.user_id))).toEqual(expected.candidates);
    expect(result.users).toBe(expected.candidates.size);
    await expectPeriodMatches(db, period, before, expected);

    // The plan: several ranges whose bounds straddle the ids the two orders disagree on, kept in
    // the database's order (JavaScript's sort would reorder them).
    const streams = await streamRows(db, period);
    const bounds = streams.slice(0, -1).map((s) => s.until as string);
    expect(streams.length, JSON.stringify(streams)).toBeGreaterThanOrEqual(3);
    expect(streams.length).toBeLessThanOrEqual(4);
    expect(bounds.some((b) => b.startsWith('a')) && bounds.some((b) => b.startsWith('Z')), `bounds ${JSON.stringify(bounds)}`).toBe(true);
    expect(await orderBounds(db, bounds)).toEqual(bounds);
    expect([...bounds].sort()).not.toEqual(bounds);

    // Contiguous in the database's order: stream i covers (until of i-1, until of i], the last is
    // unbounded; every user falls in exactly one range, and each stream visited the users of its own.
    expect(streams.map((s) => s.period)).toEqual(streams.map((_, i) => `${period}:${i}`));
    expect(streams.every((s) => s.finished && s.after_previous && s.cursor_in_range), JSON.stringify(streams)).toBe(true);
    expect(streams.at(-1)?.until).toBeNull();
    const ranges = await sql<{ user_id: string; ranges: number }>`
      WITH r AS (
        SELECT split_part(period, ':', 2)::int AS i, until, lag(until) OVER (ORDER BY split_part(period, ':', 2)::int) AS lo
        FROM cycle_runs WHERE kind = 'cycle-stream' AND period LIKE ${`${period}:%`})
      SELECT u.user_id, count(r.i)::int AS ranges
      FROM users u LEFT JOIN r ON (r.lo IS NULL OR u.user_id > r.lo) AND (r.until IS NULL OR u.user_id <= r.until)
      GROUP BY u.user_id HAVING count(r.i) <> 1`.execute(db);
    expect(ranges.rows.slice(0, 5), `${ranges.rows.length} users in no range or in several`).toEqual([]);
    const perRange = await sql<{ i: number; users: number }>`
      WITH r AS (
        SELECT split_part(period, ':', 2)::int AS i, until, lag(until) OVER (ORDER BY split_part(period, ':', 2)::int) AS lo
        FROM cycle_runs WHERE kind = 'cycle-stream' AND period LIKE ${`${period}:%`})
      SELECT r.i, count(u.user_id)::int AS users
      FROM r LEFT JOIN unnest(${[...expected.candidates]}::text[]) AS u(user_id) ON (r.lo IS NULL OR u.user_id > r.lo) AND (r.until IS NULL OR u.user_id <= r.until)
      GROUP BY r.i ORDER BY r.i`.execute(db);
    expect(perRange.rows.map((r) => r.users)).toEqual(streams.map((s) => Number(s.users)));
    expect(Number((await parentRow(db, period))?.users)).toBe(expected.candidates.size);
  }, 120_000);
});
