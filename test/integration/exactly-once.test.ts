// Isolation: its own database (cloned from the template) and its own BullMQ prefix via
// startTestEngine; every test uses fresh random user ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { PointsClient } from '@points-engine/client';
import { eventQueueName, partitionOf } from '@points-engine/jobs';
import { defaultProgram, type Program } from '@points-engine/domain';
import { applyBatch } from '@points-engine/ledger';
import { randomUser, redisUrl } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';

// Spends draw on points only here, so "a balance that covers 10" is one number.
const pointsOnly: Program = { ...defaultProgram, spending: { ...defaultProgram.spending, order: ['points'] } };

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ program: pointsOnly });
});
afterAll(async () => {
  await engine.close();
});

async function grant(user: string, amount: number) {
  const outcome = await engine.client.spend({ kind: 'grant', idempotency_key: `grant:${user}:${amount}`, user_id: user, asset: 'points', amount, reason: 'test' });
  expect(outcome.status).toBe('applied');
}

describe('exactly once', () => {
  it('applies an event delivered twice, and sent concurrently by two producers, once; all see the first outcome', async () => {
    const user = randomUser();
    await grant(user, 100);
    const second = new PointsClient({ redisUrl: redisUrl(), prefix: engine.prefix, partitions: engine.partitions });
    try {
      const event = { kind: 'spend' as const, idempotency_key: `spend:${user}:1`, user_id: user, amount: 30 };
      const [a, b] = await Promise.all([engine.client.spend(event), second.spend(event)]);
      const c = await engine.client.spend(event);
      for (const outcome of [a, b, c]) {
        expect(outcome).toMatchObject({ status: 'applied', amount: 30, balances: { points: 70 } });
        expect(outcome.transaction_id).toBe(a.transaction_id);
      }
    } finally {
      await second.close();
    }
    const rows = await engine.db.selectFrom('ledger_transactions').selectAll().where('idempotency_key', '=', `spend:${user}:1`).execute();
    expect(rows).toHaveLength(1);
    expect(await engine.invariants()).toEqual([]);
  });

  it('applies exactly 10 of 50 concurrent spends against a balance that covers 10, never going negative', async () => {
    const user = randomUser();
    await grant(user, 100);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => engine.client.spend({ kind: 'spend', idempotency_key: `race:${user}:${i}`, user_id: user, amount: 10 })),
    );
    expect(outcomes.filter((o) => o.status === 'applied')).toHaveLength(10);
    const rejected = outcomes.filter((o) => o.status === 'rejected');
    expect(rejected).toHaveLength(40);
    expect(new Set(rejected.map((o) => o.reason))).toEqual(new Set(['insufficient_funds']));
    const recorded = await engine.db.selectFrom('ledger_transactions').select(['status']).where('idempotency_key', 'like', `race:${user}:%`).execute();
    expect(recorded.filter((r) => r.status === 'rejected')).toHaveLength(40);
    const balances = await engine.db.selectFrom('entries').select(['balance_after']).where('user_id', '=', user).execute();
    expect(balances.every((e) => Number(e.balance_after) >= 0)).toBe(true);
    const account = await engine.db.selectFrom('accounts').select('balance').where('user_id', '=', user).where('asset', '=', 'points').where('bucket', '=', 'main').executeTakeFirstOrThrow();
    expect(account.balance).toBe('0');
    expect(await engine.invariants()).toEqual([]);
  });

  it('retries a forced serialization conflict and applies the event once', async () => {
    const user = randomUser();
    await grant(user, 50);
    const retries: unknown[] = [];
    const ctx = { ...engine.ledger, retry: { onRetry: (_attempt: number, error: unknown) => retries.push((error as { code?: string }).code) } };
    // A concurrent serializable transaction locks and then writes the user's row while the event
    // is being applied: the applier waits for the lock, then finds the row changed since its
    // snapshot and must retry.
    let applying: ReturnType<typeof applyBatch> | undefined;
    await engine.db.transaction().setIsolationLevel('serializable').execute(async (tx) => {
      await sql`SELECT * FROM users WHERE user_id = ${user} FOR UPDATE`.execute(tx);
      applying = applyBatch(ctx, [{ kind: 'spend', idempotency_key: `conflict:${user}`, user_id: user, amount: 5 }]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await sql`UPDATE users SET updated_at = now() WHERE user_id = ${user}`.execute(tx);
    });
    const [result] = await (applying as ReturnType<typeof applyBatch>);
    expect(result).toMatchObject({ type: 'applied', outcome: { balances: { points: 45 } } });
    expect(retries).toContain('40001');
    const rows = await engine.db.selectFrom('ledger_transactions').selectAll().where('idempotency_key', '=', `conflict:${user}`).execute();
    expect(rows).toHaveLength(1);
    expect(await engine.invariants()).toEqual([]);
  });

  it('fails an invalid payload once as unrecoverable, keeps it in the failed set with its reason, and leaves the ledger untouched', async () => {
    const user = randomUser();
    const queue = new Queue(eventQueueName(partitionOf(user, engine.partitions)), { connection: { url: redisUrl() }, prefix: engine.prefix });
    try {
      const before = await engine.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      const job = await queue.add('spend', { kind: 'spend', idempotency_key: `bad:${user}`, user_id: user, amount: -5 }, { attempts: 5, jobId: `bad-${user}` });
      const failed = await new Promise<string>((resolve) => {
        const check = async () => {
          const state = await job.getState();
          if (state === 'failed') resolve(state);
          else setTimeout(check, 50);
        };
        void check();
      });
      expect(failed).toBe('failed');
      const stored = await queue.getJob(job.id as string);
      expect(stored?.failedReason).toMatch(/invalid event payload: amount/);
      expect(stored?.attemptsMade).toBe(1);
      expect((await queue.getFailed()).map((j) => j.id)).toContain(job.id);
      const after = await engine.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      expect(after.n).toBe(before.n);
      const response = await engine.fetch(`/api/points/transactions/bad:${user}?user_id=${user}`, { key: await engine.key('reader') });
      expect(response.status).toBe(404);
    } finally {
      await queue.close();
    }
  });
});

describe('a reused key with a different payload', () => {
  it('is refused to the second producer while the first job exists, and the ledger keeps the first event', async () => {
    const user = randomUser();
    await grant(user, 100);
    const first = await engine.client.spend({ kind: 'spend', idempotency_key: `reuse:${user}`, user_id: user, amount: 10 });
    expect(first).toMatchObject({ status: 'applied', amount: 10 });
    await expect(engine.client.spend({ kind: 'spend', idempotency_key: `reuse:${user}`, user_id: user, amount: 90 })).rejects.toThrow(/different payload/);
    const response = await engine.fetch('/api/points/spend', {
      method: 'POST',
      key: await engine.key('producer'),
      body: JSON.stringify({ idempotency_key: `reuse:${user}`, user_id: user, amount: 90 }),
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: 'idempotency_conflict', field: 'idempotency_key' });
    const account = await engine.db.selectFrom('accounts').select('balance').where('user_id', '=', user).where('asset', '=', 'points').where('bucket', '=', 'main').executeTakeFirstOrThrow();
    expect(account.balance).toBe('90');
  });
});
