// Isolation: its own database (cloned from the template) and BullMQ prefix via startTestEngine;
// fresh random user ids. The one corrupted balance is this file's own database.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { reconcileLedger } from '@points-engine/ledger';
import { reconcile } from '../../apps/cli/src/reconcile.command.ts';
import { randomUser } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';

let engine: TestEngine;
let admin: string;
let reader: string;
let producer: string;
beforeAll(async () => {
  engine = await startTestEngine();
  [admin, reader, producer] = await Promise.all([engine.key('admin'), engine.key('reader'), engine.key('producer')]);
});
afterAll(async () => {
  await engine.close();
});

async function route(query = '', key: string | null = admin) {
  const response = await engine.fetch(`/api/admin/reconcile${query}`, key === null ? {} : { key });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** A sink for the CLI's progress bar that keeps what it was given. */
function progressSink() {
  let text = '';
  const stream = new Writable({ write: (chunk, _encoding, done) => ((text += String(chunk)), done()) });
  return { stream, text: () => text };
}

describe('reconcile (GET /api/admin/reconcile and npm run reconcile)', () => {
  const user = randomUser('rec');

  it('reports no violation on a clean ledger, in bounded batches', async () => {
    // A few real movements: a grant, earnings, a spend that opens the allowance, a hold.
    await engine.client.spend({ kind: 'grant', idempotency_key: `g:${user}`, user_id: user, asset: 'points', amount: 300, reason: 'test' });
    for (let i = 0; i < 3; i++) await engine.client.spend({ kind: 'earn', idempotency_key: `e:${user}:${i}`, user_id: user, activity: 'daily_login' });
    await engine.client.spend({ kind: 'spend', idempotency_key: `s:${user}`, user_id: user, amount: 400 });
    await engine.client.spend({ kind: 'hold', idempotency_key: `h:${user}`, user_id: user, amount: 50 });

    const answer = await route('?batch=100');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, violations: [], batch: 100 });
    expect(answer.body['transactions']).toBeGreaterThanOrEqual(6);
    expect(answer.body['accounts']).toBeGreaterThan(0);

    const sink = progressSink();
    const cli = await reconcile(engine.db, 2, sink.stream);
    expect(cli).toMatchObject({ ok: true, violations: [] });
    expect(sink.text()).toContain('100%');
  });

  it('names exactly the account whose stored balance disagrees with its entries, and changes nothing', async () => {
    const account = await engine.db
      .selectFrom('accounts').select(['id', 'balance'])
      .where('user_id', '=', user).where('asset', '=', 'points').where('bucket', '=', 'main')
      .executeTakeFirstOrThrow();
    const counts = async () =>
      (await sql<{ t: string; e: string }>`SELECT (SELECT count(*) FROM ledger_transactions)::text AS t, (SELECT count(*) FROM entries)::text AS e`.execute(engine.db)).rows[0];
    const before = await counts();
    // accounts is not append-only: a stray UPDATE is exactly what reconcile exists to catch.
    await sql`UPDATE accounts SET balance = balance + 1 WHERE id = ${account.id}`.execute(engine.db);
    try {
      const expected = {
        check: 'stored balance equals the sum of entries',
        detail: { account_id: String(account.id), user_id: user, asset: 'points', bucket: 'main', stored: String(Number(account.balance) + 1), entries: String(account.balance) },
      };
      const answer = await route('?batch=100');
      expect(answer.status).toBe(200);
      expect(answer.body['ok']).toBe(false);
      expect(answer.body['violations']).toEqual([expected]);

      const viaLibrary = await reconcileLedger(engine.db, { batch: 7 });
      expect(viaLibrary.violations).toEqual([expected]);
      const viaCli = await reconcile(engine.db, 10_000, progressSink().stream);
      expect(viaCli.violations).toEqual([expected]);

      // Reads only: the corrupted balance is still there and nothing was written.
      const after = await engine.db.selectFrom('accounts').select('balance').where('id', '=', account.id).executeTakeFirstOrThrow();
      expect(after.balance).toBe(String(Number(account.balance) + 1));
      expect(await counts()).toEqual(before);
    } finally {
      await sql`UPDATE accounts SET balance = balance - 1 WHERE id = ${account.id}`.execute(engine.db);
    }
    expect((await route()).body).toMatchObject({ ok: true, violations: [] });
  });

  it('needs an admin key: 401 without one, 403 for reader and producer keys, 400 for a bad batch', async () => {
    expect((await route('', null)).status).toBe(401);
    expect((await route('', 'pe_not-a-real-key')).status).toBe(401);
    expect((await route('', reader)).status).toBe(403);
    expect((await route('', producer)).status).toBe(403);
    const bad = await route('?batch=0');
    expect(bad.status).toBe(400);
    expect(bad.body['field']).toBe('batch');
  });
});
