import { sql } from 'kysely';
import type { PointsEvent } from '@points-engine/domain';
import { payloadHash, writeBatch, type BatchWrites, type EventOutcome } from '@points-engine/ledger';
import { startChild, type BenchEnv } from '../support/bench-env.ts';
import { BENCH_PARTITIONS, enqueue, jobsCompleted, waitWorkers } from '../support/load.ts';
import { sleep } from '../support/stats.ts';

/** BullMQ's own rate: the same worker settings, single-event jobs, a processor that does nothing. */
export async function bullmqNoopRate(env: BenchEnv, events: PointsEvent[], concurrency: number): Promise<number> {
  const worker = startChild('bench/workers/noop-worker.ts', {
    REDIS_URL: env.redisUrl, QUEUE_PREFIX: env.prefix, QUEUE_PARTITIONS: String(BENCH_PARTITIONS), WORKER_CONCURRENCY: String(concurrency),
  });
  try {
    await waitWorkers(env);
    const started = performance.now();
    await enqueue(env, events, 'single');
    while ((await jobsCompleted(env)) < events.length) await sleep(50);
    return events.length / ((performance.now() - started) / 1000);
  } finally {
    await worker.stop();
  }
}

/**
 * The raw SQL ceiling: the rows the engine writes for an earn event (transaction row, two
 * entries, the balance, the user, the day), written by a bare loop in batches of 100 with the
 * engine's own set-based statements — no queue, no reads, no rules.
 */
export async function rawSqlRate(env: BenchEnv, events: PointsEvent[]): Promise<number> {
  const db = env.database.db;
  const users = [...new Set(events.map((e) => e.user_id))];
  await sql`INSERT INTO users (user_id) SELECT unnest(${users}::text[]) ON CONFLICT DO NOTHING`.execute(db);
  const accounts = await sql<{ id: string; user_id: string }>`
    INSERT INTO accounts (user_id, asset, bucket, balance, min_balance)
    SELECT unnest(${users}::text[]), 'points', 'main', 0, 0 RETURNING id, user_id`.execute(db);
  const accountIds = new Map(accounts.rows.map((r) => [`${r.user_id}|points:main`, r.id]));
  const balances = new Map<string, number>();
  const started = performance.now();
  for (let i = 0; i < events.length; i += 100) {
    const batch = events.slice(i, i + 100);
    const writes: BatchWrites = {
      transactions: [], entries: [], users: [], accountInserts: [], accountUpdates: [], holds: new Map(), days: new Map(),
      notices: [], conflicts: [], reversals: [],
    };
    const now = Date.now();
    for (const event of batch) {
      const before = balances.get(event.user_id) ?? 0;
      const after = before + 10;
      balances.set(event.user_id, after);
      const outcome: EventOutcome = {
        idempotency_key: event.idempotency_key, kind: event.kind, user_id: event.user_id, status: 'applied', reason: null, amount: 10,
        balances: { points: after }, details: { activity: 'text_request' }, applied_at: new Date(now).toISOString(),
      };
      writes.transactions.push({ key: event.idempotency_key, kind: event.kind, userId: event.user_id, hash: payloadHash(event), payload: event, outcome });
      writes.entries.push({ key: event.idempotency_key, system: 'issuance:points', asset: 'points', amount: -10, before: null, after: null });
      writes.entries.push({ key: event.idempotency_key, userId: event.user_id, balanceKey: 'points:main', asset: 'points', amount: 10, before, after });
      writes.accountUpdates.push({ id: accountIds.get(`${event.user_id}|points:main`) as string, balance: after });
      const day = new Date(now).toISOString().slice(0, 10);
      const sum = writes.days.get(`${event.user_id}|${day}`) ?? { userId: event.user_id, day, earned: 0, inflow: 0 };
      sum.earned += 10;
      sum.inflow += 10;
      writes.days.set(`${event.user_id}|${day}`, sum);
    }
    // One UPDATE per user and batch, as the engine does after folding a batch's changes.
    const lastUpdate = new Map(writes.accountUpdates.map((u) => [u.id, u]));
    writes.accountUpdates = [...lastUpdate.values()];
    await db.transaction().execute(async (tx) => {
      await writeBatch(tx, writes, now, accountIds, env.ledger.systemAccounts);
      await sql`
        UPDATE users SET lifetime_earned = users.lifetime_earned + 10, cap_earned = users.cap_earned + 10, updated_at = now()
        FROM unnest(${[...new Set(batch.map((e) => e.user_id))]}::text[]) AS v(user_id) WHERE users.user_id = v.user_id`.execute(tx);
    });
  }
  return events.length / ((performance.now() - started) / 1000);
}
