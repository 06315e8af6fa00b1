import { parseArgs } from 'node:util';
import { connectDatabase, ensureDatabase, migrateToLatest, dropDatabase } from '@points-engine/db';
import { defaultProgram, SYSTEM_ACCOUNTS, ASSETS, type LedgerEvent } from '@points-engine/domain';
import { applyBatch, ensureSystemAccounts } from '@points-engine/ledger';
import { rng } from '../support/events.ts';

// A quick, in-process measure of the apply path alone (no queue): one lane applying batches of
// earn events over 100k existing users. For A/B checks while optimising; `npm run bench` is the
// real measurement.
const { values } = parseArgs({ options: { batch: { type: 'string', default: '256' }, events: { type: 'string', default: '30000' }, prepare: { type: 'boolean', default: false } } });
const batch = Number(values.batch);
const total = Number(values.events);
const url = `postgres://postgres@127.0.0.1:5432/pe_probe_${Date.now()}`;
await ensureDatabase(url);
const h = connectDatabase(url, { max: 4, prepare: values.prepare });
try {
  await migrateToLatest(h.db);
  const ctx = { db: h.db, program: defaultProgram, systemAccounts: await ensureSystemAccounts(h.db, SYSTEM_ACCOUNTS, ASSETS), retry: { applyLock: true } };
  for (let i = 0; i < 100_000; i += 5000) {
    await applyBatch(ctx, Array.from({ length: 5000 }, (_, j) => ({ kind: 'earn' as const, idempotency_key: `seed:${i + j}`, user_id: `u${i + j}`, activity: 'daily_login' })));
  }
  const random = rng(42);
  const start = Date.now() - 60 * 86_400_000;
  const t0 = performance.now();
  for (let k = 0; k < total; k += batch) {
    const events: LedgerEvent[] = Array.from({ length: batch }, (_, j) => ({
      kind: 'earn', idempotency_key: `k:${k + j}`, user_id: `u${Math.floor(random() * 100_000)}`, activity: 'text_request',
      occurred_at: new Date(start + (k + j) * 30_000).toISOString(),
    }));
    await applyBatch(ctx, events);
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`batch=${batch}${values.prepare ? ' prepared' : ''}: ${Math.round(total / seconds)} events/s\n`);
} finally {
  await h.close();
  await dropDatabase(url);
}
