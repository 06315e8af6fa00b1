import {
  availableAllowance,
  decide,
  payloadHash,
  holdNamedBy,
  usersNamedBy,
  usersRevealedBy,
  type AppliedDecision,
  type BalanceKey,
  type EventTimeBound,
  type Balances,
  type HoldState,
  type LedgerEvent,
  type Notice,
  type OriginalTransaction,
  type Program,
  type UserState,
} from '@points-engine/domain';
import { sql } from 'kysely';
import type { Db, Tx } from '@points-engine/db';
import { mainBalances, toUserState } from './user-state.mapper.ts';
import type { EventOutcome, EventResult } from './outcome.ts';
import { inSerializableTransaction, type RetryOptions } from './retry.ts';
import { findTransactions, loadOriginals, loadUserAccounts, lockHolds, lockUsers, type SystemAccountIds } from './state.repository.ts';
import { writeBatch, type BatchWrites, type EntryWrite } from './batch.writer.ts';

export interface LedgerContext {
  db: Db;
  program: Program;
  systemAccounts: SystemAccountIds;
  retry?: RetryOptions;
  /** The clock; tests and the compressed-clock harness pass their own. */
  now?: () => number;
  /** How many user ranges a cycle period processes side by side (CYCLE_STREAMS). */
  cycleStreams?: number;
  /** The API's arrival bound on occurred_at, which sizes the earning rules' windows (default: DEFAULT_EVENT_TIME_BOUND). */
  eventTimeBound?: EventTimeBound;
}

interface Fresh {
  event: LedgerEvent;
  hash: string;
}

/**
 * Applies a batch of events in one SERIALIZABLE transaction, each exactly once: an event whose
 * key is already recorded gets its first outcome back, a new one is decided by the pure rules
 * and written (entries, balances, user state, holds, outbox) together with its idempotency row.
 * Results come back in the order of `events`.
 */
export async function applyBatch(ctx: LedgerContext, events: readonly LedgerEvent[]): Promise<EventResult[]> {
  const hashes = events.map(payloadHash);
  try {
    return await inSerializableTransaction(ctx.db, (tx) => applyInTransaction(ctx, tx, events, hashes, 'optimistic'), ctx.retry);
  } catch (error) {
    if (!(error instanceof AlreadyRecorded)) throw error;
    return inSerializableTransaction(ctx.db, (tx) => applyInTransaction(ctx, tx, events, hashes, 'look-up'), ctx.retry);
  }
}

/**
 * Raised when an optimistic attempt finds keys already recorded; its transaction rolls back and
 * the batch is applied again, looking the keys up first.
 */
export class AlreadyRecorded extends Error {
  constructor(readonly keys: string[]) {
    super(`already recorded: ${keys.slice(0, 5).join(', ')}`);
    this.name = 'AlreadyRecorded';
  }
}

/**
 * `optimistic` assumes every key is new and lets the unique index say otherwise; reading the
 * keys first would put SSI predicate locks on the index pages every concurrent batch inserts
 * into (keys are often sequential), turning most batches into serialization failures. A replay
 * costs one rolled-back attempt; `look-up` then reads the recorded outcomes first.
 */
async function applyInTransaction(
  ctx: LedgerContext,
  tx: Tx,
  events: readonly LedgerEvent[],
  hashes: string[],
  mode: 'optimistic' | 'look-up',
): Promise<EventResult[]> {
  const now = (ctx.now ?? Date.now)();
  // Every read here is a look-up by key: the transaction runs with enable_seqscan off (retry.ts).
  const recorded = new Map<string, { id: string; hash: string; outcome: EventOutcome }>();
  const found = mode === 'look-up' ? await findTransactions(tx, events.map((e) => e.idempotency_key)) : [];
  for (const row of found) {
    recorded.set(row.idempotency_key, { id: row.id, hash: row.payload_hash, outcome: row.outcome as unknown as EventOutcome });
  }

  // The first occurrence of a key in the batch is the event; later ones replay it.
  const fresh: Fresh[] = [];
  const seen = new Set<string>();
  events.forEach((event, i) => {
    const key = event.idempotency_key;
    if (recorded.has(key) || seen.has(key)) return;
    seen.add(key);
    fresh.push({ event, hash: hashes[i] as string });
  });

  const written = fresh.length > 0 ? await decideAndWrite(ctx, tx, fresh, now) : new Map<string, { id: string; outcome: EventOutcome }>();
  const conflicts: BatchWrites['conflicts'] = [];
  const results = events.map((event, i): EventResult => {
    const key = event.idempotency_key;
    const first = recorded.get(key);
    const own = written.get(key);
    const firstHash = first?.hash ?? fresh.find((f) => f.event.idempotency_key === key)?.hash;
    const outcome = (first?.outcome ?? own?.outcome) as EventOutcome;
    const transactionId = (first?.id ?? own?.id) as string;
    const isFirstWrite = own !== undefined && fresh.find((f) => f.event.idempotency_key === key)?.event === event;
    if (firstHash !== hashes[i]) {
      conflicts.push({ key, hash: hashes[i] as string, payload: event, firstTransactionId: transactionId });
      return { type: 'conflict', idempotencyKey: key, first: outcome, transactionId };
    }
    return { type: outcome.status, outcome, transactionId, replayed: !isFirstWrite };
  });
  if (conflicts.length > 0) await writeBatch(tx, { ...emptyWrites(), conflicts }, now);
  return results;
}

async function decideAndWrite(ctx: LedgerContext, tx: Tx, fresh: Fresh[], now: number) {
  const userRows = await lockUsers(tx, fresh.flatMap((f) => usersNamedBy(f.event)));
  const states = new Map<string, UserState>();
  let accounts = await loadUserAccounts(tx, userRows.map((row) => row.user_id));
  const accountIds = new Map<string, string>();
  const addStates = (rows: typeof userRows) => {
    for (const row of rows) {
      const balances: Partial<Record<BalanceKey, number>> = {};
      for (const account of accounts.filter((a) => a.userId === row.user_id)) {
        balances[`${account.asset}:${account.bucket}` as BalanceKey] = account.balance;
        accountIds.set(accountKey(account.userId, `${account.asset}:${account.bucket}`), account.id);
      }
      states.set(row.user_id, toUserState(row, balances, ctx.program));
    }
  };
  addStates(userRows);
  const originals = new Map<string, OriginalTransaction>(
    (await loadOriginals(tx, fresh.flatMap((f) => (f.event.kind === 'reverse' ? [f.event.transaction_key] : [])))).map((o) => [o.key, o]),
  );
  // A purchase's referrer and a reversal's payees are only known once loaded: lock them next.
  const revealed = [...new Set(fresh.flatMap((f) => usersRevealedBy(f.event, states, originals)))].filter((id) => !states.has(id));
  if (revealed.length > 0) {
    const more = await lockUsers(tx, revealed);
    accounts = await loadUserAccounts(tx, more.map((row) => row.user_id));
    addStates(more);
  }
  const holds = new Map<string, HoldState>((await lockHolds(tx, fresh.flatMap((f) => holdNamedBy(f.event) ?? []))).map((h) => [h.holdKey, h]));
  const original = new Map(states);

  const writes = emptyWrites();
  const written = new Map<string, { id: string; outcome: EventOutcome }>();
  const appliedAt = new Date(now).toISOString();
  for (const { event, hash } of fresh) {
    const decision = decide({ program: ctx.program, now, eventTimeBound: ctx.eventTimeBound }, { users: states, holds, originals }, event);
    const outcome: EventOutcome = {
      idempotency_key: event.idempotency_key,
      kind: event.kind,
      user_id: event.user_id,
      status: decision.status,
      reason: decision.reason,
      amount: decision.status === 'applied' ? decision.amount : 0,
      balances: {},
      details: decision.details,
      applied_at: appliedAt,
    };
    if (decision.status === 'applied') {
      collectApplied(ctx, decision, states, holds, writes, event.idempotency_key);
      if (event.kind === 'reverse') {
        writes.reversals.push({ original: event.transaction_key, reversal: event.idempotency_key });
        const original = originals.get(event.transaction_key);
        if (original) originals.set(original.key, { ...original, reversedBy: event.idempotency_key });
      }
    }
    const user = states.get(event.user_id) as UserState;
    outcome.balances = { ...mainBalances(user.balances), allowance: availableAllowance(user, ctx.program) };
    writes.transactions.push({ key: event.idempotency_key, kind: event.kind, userId: event.user_id, hash, payload: event, outcome });
    written.set(event.idempotency_key, { id: '', outcome });
  }

  for (const [userId, state] of states) {
    if (state !== original.get(userId)) writes.users.push(state);
  }
  collectAccounts(states, original, accountIds, writes);
  const ids = await writeBatch(tx, writes, now, accountIds, ctx.systemAccounts);
  const missing = [...written.keys()].filter((key) => !ids.has(key));
  if (missing.length > 0) throw new AlreadyRecorded(missing);
  for (const [key, value] of written) value.id = ids.get(key) as string;
  return written;
}

function collectApplied(
  ctx: LedgerContext,
  decision: AppliedDecision,
  states: Map<string, UserState>,
  holds: Map<string, HoldState>,
  writes: BatchWrites,
  key: string,
): void {
  // Entries carry the balance before and after, replayed posting by posting from the state the
  // previous event in this batch left behind.
  const running = new Map<string, Balances>();
  for (const posting of decision.postings) {
    const { account, amount } = posting;
    if (account.owner === 'system') {
      writes.entries.push({ key, system: `${account.name}:${account.asset}`, asset: account.asset, amount, before: null, after: null });
      continue;
    }
    const balances = running.get(account.userId) ?? (states.get(account.userId) as UserState).balances;
    const balanceKey = `${account.asset}:${account.bucket}` as BalanceKey;
    const before = balances[balanceKey] ?? 0;
    const after = before + amount;
    if (after < 0) throw new Error(`rules produced a negative ${balanceKey} for ${account.userId} on ${key}: a bug`);
    running.set(account.userId, { ...balances, [balanceKey]: after });
    writes.entries.push({ key, userId: account.userId, balanceKey, asset: account.asset, amount, before, after });
  }
  for (const user of decision.users) {
    const replayed = running.get(user.userId) ?? (states.get(user.userId) as UserState).balances;
    for (const [balanceKey, value] of Object.entries(user.balances)) {
      if ((replayed as Record<string, number | undefined>)[balanceKey] !== value) {
        throw new Error(`decision balances disagree with its postings for ${user.userId} ${balanceKey}: a bug`);
      }
    }
    states.set(user.userId, user);
  }
  for (const hold of decision.holds) {
    holds.set(hold.holdKey, hold);
    writes.holds.set(hold.holdKey, hold);
  }
  for (const notice of decision.notices) writes.notices.push({ key, notice });
  for (const inflow of decision.inflows) {
    const dayKey = `${inflow.userId}|${inflow.day}`;
    const sum = writes.days.get(dayKey) ?? { userId: inflow.userId, day: inflow.day, earned: 0, inflow: 0 };
    sum.earned += inflow.earned;
    sum.inflow += inflow.inflow;
    writes.days.set(dayKey, sum);
  }
  void ctx;
}

function collectAccounts(
  states: Map<string, UserState>,
  original: Map<string, UserState>,
  accountIds: Map<string, string>,
  writes: BatchWrites,
): void {
  for (const [userId, state] of states) {
    const before = original.get(userId)?.balances ?? {};
    for (const [balanceKey, balance] of Object.entries(state.balances) as [BalanceKey, number][]) {
      if ((before as Record<string, number | undefined>)[balanceKey] === balance) continue;
      const id = accountIds.get(accountKey(userId, balanceKey));
      if (id) writes.accountUpdates.push({ id, balance });
      else writes.accountInserts.push({ userId, balanceKey, balance });
    }
  }
}

export const accountKey = (userId: string, balanceKey: string): string => `${userId}|${balanceKey}`;

function emptyWrites(): BatchWrites {
  return {
    transactions: [],
    entries: [] as EntryWrite[],
    users: [],
    accountInserts: [],
    accountUpdates: [],
    holds: new Map(),
    days: new Map(),
    notices: [] as { key: string; notice: Notice }[],
    conflicts: [],
    reversals: [],
  };
}
