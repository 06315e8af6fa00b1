import { sql } from 'kysely';
import type { AssetCode, BalanceKey, HoldState, LedgerEvent, Notice, UserState } from '@points-engine/domain';
import type { Tx } from '@points-engine/db';
import type { EventOutcome } from './outcome.ts';
import { windowColumns } from './rule-windows.codec.ts';
import type { SystemAccountIds } from './state.repository.ts';

export type EntryWrite =
  | { key: string; system: string; asset: AssetCode; amount: number; before: null; after: null }
  | { key: string; userId: string; balanceKey: BalanceKey; asset: AssetCode; amount: number; before: number; after: number };

/** Everything one batch writes, gathered first so each table gets one set-based statement. */
export interface BatchWrites {
  transactions: { key: string; kind: string; userId: string; hash: string; payload: LedgerEvent | Record<string, unknown>; outcome: EventOutcome }[];
  entries: EntryWrite[];
  users: UserState[];
  accountInserts: { userId: string; balanceKey: BalanceKey; balance: number }[];
  accountUpdates: { id: string; balance: number }[];
  holds: Map<string, HoldState>;
  days: Map<string, { userId: string; day: string; earned: number; inflow: number }>;
  notices: { key: string; notice: Notice }[];
  conflicts: { key: string; hash: string; payload: LedgerEvent; firstTransactionId: string }[];
  reversals: { original: string; reversal: string }[];
}

/** Writes a batch with one statement per table; returns the transaction id of each new key. */
export async function writeBatch(
  tx: Tx,
  w: BatchWrites,
  now: number,
  accountIds: Map<string, string> = new Map(),
  systemAccounts: SystemAccountIds = new Map(),
): Promise<Map<string, string>> {
  const at = new Date(now).toISOString();
  await insertAccounts(tx, w, accountIds);
  await updateAccounts(tx, w);
  const ids = await insertTransactionsAndEntries(tx, w, at, accountIds, systemAccounts);
  await updateUsers(tx, w.users, at);
  await upsertDays(tx, w);
  await upsertHolds(tx, w, at);
  await insertNotices(tx, w, ids);
  await insertConflicts(tx, w);
  if (w.reversals.length > 0) {
    await tx.insertInto('reversals').values(w.reversals.map((r) => ({ original_key: r.original, reversal_key: r.reversal }))).execute();
  }
  return ids;
}

async function insertAccounts(tx: Tx, w: BatchWrites, accountIds: Map<string, string>): Promise<void> {
  if (w.accountInserts.length === 0) return;
  const users = w.accountInserts.map((a) => a.userId);
  const assets = w.accountInserts.map((a) => a.balanceKey.split(':')[0]);
  const buckets = w.accountInserts.map((a) => a.balanceKey.split(':')[1]);
  const balances = w.accountInserts.map((a) => a.balance);
  const rows = await sql<{ id: string; user_id: string; asset: string; bucket: string }>`
    INSERT INTO accounts (user_id, asset, bucket, balance, min_balance)
    SELECT u, a, b, bal, 0 FROM unnest(${users}::text[], ${assets}::text[], ${buckets}::text[], ${balances}::int8[]) AS t(u, a, b, bal)
    RETURNING id, user_id, asset, bucket`.execute(tx);
  for (const row of rows.rows) accountIds.set(`${row.user_id}|${row.asset}:${row.bucket}`, row.id);
}

async function updateAccounts(tx: Tx, w: BatchWrites): Promise<void> {
  if (w.accountUpdates.length === 0) return;
  await sql`
    UPDATE accounts SET balance = v.balance
    FROM unnest(${w.accountUpdates.map((a) => a.id)}::int8[], ${w.accountUpdates.map((a) => a.balance)}::int8[]) AS v(id, balance)
    WHERE accounts.id = v.id`.execute(tx);
}

async function insertTransactionsAndEntries(
  tx: Tx,
  w: BatchWrites,
  at: string,
  accountIds: Map<string, string>,
  systemAccounts: SystemAccountIds,
): Promise<Map<string, string>> {
  if (w.transactions.length === 0) return new Map();
  const t = w.transactions;
  const accountOf = (e: EntryWrite): string => {
    const id = 'system' in e ? systemAccounts.get(e.system as `issuance:points`) : accountIds.get(`${e.userId}|${e.balanceKey}`);
    if (!id) throw new Error(`no account id for entry ${JSON.stringify(e)}`);
    return id;
  };
  const e = w.entries;
  const rows = await sql<{ id: string; idempotency_key: string }>`
    WITH t AS (
      INSERT INTO ledger_transactions (idempotency_key, kind, user_id, status, reason, amount, payload_hash, payload, outcome, created_at)
      SELECT k, kind, u, o->>'status', o->>'reason', (o->>'amount')::int8, h, p, o, clock_timestamp()
      FROM unnest(${t.map((x) => x.key)}::text[], ${t.map((x) => x.kind)}::text[], ${t.map((x) => x.userId)}::text[],
                  ${t.map((x) => x.hash)}::text[], ${t.map((x) => JSON.stringify(x.payload))}::jsonb[],
                  ${t.map((x) => JSON.stringify(x.outcome))}::jsonb[]) AS v(k, kind, u, h, p, o)
      -- A key recorded before: the caller sees it missing from the result and rolls back.
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id, idempotency_key
    ), e AS (
      INSERT INTO entries (transaction_id, account_id, user_id, asset, amount, balance_before, balance_after, created_at)
      SELECT t.id, x.account_id, x.user_id, x.asset, x.amount, x.before, x.after, ${at}::timestamptz
      FROM unnest(${e.map((x) => x.key)}::text[], ${e.map(accountOf)}::int8[], ${e.map((x) => ('userId' in x ? x.userId : null))}::text[],
                  ${e.map((x) => x.asset)}::text[], ${e.map((x) => x.amount)}::int8[], ${e.map((x) => x.before)}::int8[],
                  ${e.map((x) => x.after)}::int8[]) WITH ORDINALITY AS x(key, account_id, user_id, asset, amount, before, after, n)
      JOIN t ON t.idempotency_key = x.key
      ORDER BY x.n
    )
    SELECT id, idempotency_key FROM t`.execute(tx);
  return new Map(rows.rows.map((row) => [row.idempotency_key, row.id]));
}

async function updateUsers(tx: Tx, users: UserState[], at: string): Promise<void> {
  if (users.length === 0) return;
  const col = <T>(pick: (u: UserState) => T) => users.map(pick);
  const windows = users.map(windowColumns);
  await sql`
    UPDATE users SET tier = v.tier, tier_ends_at = v.tier_ends_at, token_balance = v.token_balance,
      allowance_capacity = v.allowance_capacity, level = v.level, lifetime_earned = v.lifetime_earned,
      lifetime_spent = v.lifetime_spent, points_consumed = v.points_consumed, current_streak = v.current_streak,
      longest_streak = v.longest_streak, last_login_day = v.last_login_day, cap_day = v.cap_day,
      cap_earned = v.cap_earned, last_earned_at = v.last_earned_at, rule_windows = v.rule_windows, referrer_id = v.referrer_id,
      updated_at = ${at}::timestamptz
    FROM unnest(
      ${col((u) => u.userId)}::text[], ${col((u) => u.tier)}::text[],
      ${col((u) => (u.tierEndsAt === null ? null : new Date(u.tierEndsAt).toISOString()))}::timestamptz[],
      ${col((u) => u.tokenBalance.toString())}::numeric[], ${col((u) => u.allowanceCapacity)}::int8[],
      ${col((u) => u.level)}::int4[], ${col((u) => u.lifetimeEarned)}::int8[], ${col((u) => u.lifetimeSpent)}::int8[],
      ${col((u) => u.pointsConsumed)}::int8[], ${col((u) => u.currentStreak)}::int4[], ${col((u) => u.longestStreak)}::int4[],
      ${col((u) => u.lastLoginDay)}::date[], ${windows.map((w) => w.capDay)}::date[], ${windows.map((w) => w.capEarned)}::int8[],
      ${windows.map((w) => w.lastEarnedAt)}::jsonb[], ${windows.map((w) => w.ruleWindows)}::jsonb[], ${col((u) => u.referrerId)}::text[]
    ) AS v(user_id, tier, tier_ends_at, token_balance, allowance_capacity, level, lifetime_earned, lifetime_spent,
           points_consumed, current_streak, longest_streak, last_login_day, cap_day, cap_earned, last_earned_at, rule_windows, referrer_id)
    WHERE users.user_id = v.user_id`.execute(tx);
}

async function upsertDays(tx: Tx, w: BatchWrites): Promise<void> {
  const days = [...w.days.values()].filter((d) => d.earned !== 0 || d.inflow !== 0);
  if (days.length === 0) return;
  await sql`
    INSERT INTO user_days (user_id, day, earned, inflow)
    SELECT * FROM unnest(${days.map((d) => d.userId)}::text[], ${days.map((d) => d.day)}::date[],
                         ${days.map((d) => d.earned)}::int8[], ${days.map((d) => d.inflow)}::int8[])
    ON CONFLICT (user_id, day) DO UPDATE
      SET earned = user_days.earned + excluded.earned, inflow = user_days.inflow + excluded.inflow`.execute(tx);
}

async function upsertHolds(tx: Tx, w: BatchWrites, at: string): Promise<void> {
  const holds = [...w.holds.values()];
  if (holds.length === 0) return;
  await sql`
    INSERT INTO holds (hold_key, user_id, amounts, status, expires_at, created_at, closed_at)
    SELECT k, u, a, s, x, ${at}::timestamptz, CASE WHEN s = 'open' THEN NULL ELSE ${at}::timestamptz END
    FROM unnest(${holds.map((h) => h.holdKey)}::text[], ${holds.map((h) => h.userId)}::text[],
                ${holds.map((h) => JSON.stringify(h.amounts))}::jsonb[], ${holds.map((h) => h.status)}::text[],
                ${holds.map((h) => new Date(h.expiresAt).toISOString())}::timestamptz[]) AS v(k, u, a, s, x)
    ON CONFLICT (hold_key) DO UPDATE SET status = excluded.status, closed_at = excluded.closed_at`.execute(tx);
}

async function insertNotices(tx: Tx, w: BatchWrites, ids: Map<string, string>): Promise<void> {
  if (w.notices.length === 0) return;
  const n = w.notices;
  await sql`
    INSERT INTO outbox (type, user_id, payload, transaction_id)
    SELECT * FROM unnest(${n.map((x) => x.notice.type)}::text[], ${n.map((x) => x.notice.userId)}::text[],
                         ${n.map((x) => JSON.stringify({ ...x.notice, idempotency_key: x.key }))}::jsonb[],
                         ${n.map((x) => ids.get(x.key) ?? null)}::int8[])`.execute(tx);
}

async function insertConflicts(tx: Tx, w: BatchWrites): Promise<void> {
  if (w.conflicts.length === 0) return;
  const c = w.conflicts;
  await sql`
    INSERT INTO idempotency_conflicts (idempotency_key, payload_hash, payload, first_transaction_id)
    SELECT * FROM unnest(${c.map((x) => x.key)}::text[], ${c.map((x) => x.hash)}::text[],
                         ${c.map((x) => JSON.stringify(x.payload))}::jsonb[], ${c.map((x) => x.firstTransactionId)}::int8[])`.execute(tx);
}
