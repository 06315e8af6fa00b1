import { sql } from 'kysely';
import type { BalanceKey, Posting, Program, UserState } from '@points-engine/domain';
import type { Tx } from '@points-engine/db';
import { writeBatch, type BatchWrites, type EntryWrite } from '../batch.writer.ts';
import { loadUserAccounts, lockUsers, type SystemAccountIds } from '../state.repository.ts';
import { toUserState } from '../user-state.mapper.ts';
import { accountKey } from '../apply-batch.ts';

/** The ledger's own user id on transactions it makes for many users at once. */
export const SYSTEM_USER = '$system';

export interface LoadedUsers {
  states: Map<string, UserState>;
  accountIds: Map<string, string>;
}

/** Locks a set of users (in user_id order) and loads their state and accounts. */
export async function loadLockedUsers(tx: Tx, userIds: string[], program: Program): Promise<LoadedUsers> {
  const rows = await lockUsers(tx, userIds);
  const accounts = await loadUserAccounts(tx, rows.map((r) => r.user_id));
  const byUser = new Map<string, Partial<Record<BalanceKey, number>>>();
  const accountIds = new Map<string, string>();
  for (const account of accounts) {
    const key = `${account.asset}:${account.bucket}` as BalanceKey;
    byUser.set(account.userId, { ...byUser.get(account.userId), [key]: account.balance });
    accountIds.set(accountKey(account.userId, key), account.id);
  }
  const states = new Map(rows.map((row) => [row.user_id, toUserState(row, byUser.get(row.user_id) ?? {}, program)]));
  return { states, accountIds };
}

/**
 * Writes one system transaction (a cycle, an expiry run) covering many users: its postings as
 * entries with balances before and after, the changed balances, and any user-state changes.
 */
export async function writeSystemTransaction(
  tx: Tx,
  input: {
    key: string;
    kind: string;
    now: number;
    postings: Posting[];
    loaded: LoadedUsers;
    users?: UserState[];
    systemAccounts: SystemAccountIds;
    details: Record<string, unknown>;
  },
): Promise<string | null> {
  if (input.postings.length === 0 && (input.users ?? []).length === 0) return null;
  const { states, accountIds } = input.loaded;
  // One entry per account with its net change: a run over thousands of users writes a few rows
  // per user and one per system account, not one per leg of every transfer.
  const net = new Map<string, { account: Posting['account']; amount: number }>();
  for (const { account, amount } of input.postings) {
    const key = account.owner === 'system' ? `s|${account.name}:${account.asset}` : `u|${account.userId}|${account.asset}:${account.bucket}`;
    const sum = net.get(key) ?? { account, amount: 0 };
    sum.amount += amount;
    net.set(key, sum);
  }
  const running = new Map<string, Record<string, number>>();
  const entries: EntryWrite[] = [];
  for (const { account, amount } of net.values()) {
    if (amount === 0) continue;
    if (account.owner === 'system') {
      entries.push({ key: input.key, system: `${account.name}:${account.asset}`, asset: account.asset, amount, before: null, after: null });
      continue;
    }
    const balances = running.get(account.userId) ?? { ...(states.get(account.userId)?.balances as Record<string, number>) };
    const balanceKey = `${account.asset}:${account.bucket}` as BalanceKey;
    const before = balances[balanceKey] ?? 0;
    const after = before + amount;
    if (after < 0) throw new Error(`${input.kind} would make ${account.userId} ${balanceKey} negative: a bug`);
    balances[balanceKey] = after;
    running.set(account.userId, balances);
    entries.push({ key: input.key, userId: account.userId, balanceKey, asset: account.asset, amount, before, after });
  }
  const writes: BatchWrites = {
    transactions: [
      {
        key: input.key,
        kind: input.kind,
        userId: SYSTEM_USER,
        hash: input.key,
        payload: { kind: input.kind, ...input.details },
        outcome: {
          idempotency_key: input.key, kind: input.kind, user_id: SYSTEM_USER, status: 'applied', reason: null,
          amount: 0, balances: {}, details: input.details, applied_at: new Date(input.now).toISOString(),
        },
      },
    ],
    entries,
    users: input.users ?? [],
    accountInserts: [],
    accountUpdates: [],
    holds: new Map(),
    days: new Map(),
    notices: [],
    conflicts: [],
    reversals: [],
  };
  for (const [userId, balances] of running) {
    const original = states.get(userId)?.balances as Record<string, number | undefined>;
    for (const [balanceKey, balance] of Object.entries(balances)) {
      if (original[balanceKey] === balance) continue;
      const id = accountIds.get(accountKey(userId, balanceKey));
      if (id) writes.accountUpdates.push({ id, balance });
      else writes.accountInserts.push({ userId, balanceKey: balanceKey as BalanceKey, balance });
    }
  }
  const ids = await writeBatch(tx, writes, input.now, accountIds, input.systemAccounts);
  return ids.get(input.key) ?? null;
}

/** Claims the next stretch of a keyed run: returns its cursor, or null when the run is finished. */
export async function claimRun(tx: Tx, kind: string, period: string): Promise<{ cursor: string } | null> {
  await sql`INSERT INTO cycle_runs (kind, period, cursor) VALUES (${kind}, ${period}, '') ON CONFLICT DO NOTHING`.execute(tx);
  const row = await tx.selectFrom('cycle_runs').select(['cursor', 'finished_at']).where('kind', '=', kind).where('period', '=', period).forUpdate().executeTakeFirstOrThrow();
  return row.finished_at ? null : { cursor: row.cursor ?? '' };
}

/** Records progress of a keyed run in the same transaction as the work. */
export async function advanceRun(tx: Tx, kind: string, period: string, cursor: string, users: number, finished: boolean): Promise<void> {
  await sql`
    UPDATE cycle_runs SET cursor = ${cursor}, users = users + ${users}, finished_at = CASE WHEN ${finished} THEN now() ELSE NULL END
    WHERE kind = ${kind} AND period = ${period}`.execute(tx);
}

