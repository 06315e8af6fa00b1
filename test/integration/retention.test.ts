// Isolation: its own database (cloned from the migrated template); rows are inserted with explicit times.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { applyRetention } from '@points-engine/ledger';
import { createTestDatabase } from '../support/services.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-22T12:00:00Z');
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();

describe('retention', () => {
  it('deletes delivered outbox rows, webhook receipts and unverified counts past their age, in batches, and nothing else', async () => {
    const db = database.db;
    // 23 delivered 10 days ago, 4 delivered yesterday, 6 never delivered (created 30 days ago).
    await sql`
      INSERT INTO outbox (type, user_id, payload, created_at, delivered_at)
      SELECT 'level_up', 'u' || g, '{}'::jsonb, ${ago(11)}::timestamptz, ${ago(10)}::timestamptz FROM generate_series(1, 23) g
      UNION ALL SELECT 'level_up', 'v' || g, '{}'::jsonb, ${ago(2)}::timestamptz, ${ago(1)}::timestamptz FROM generate_series(1, 4) g
      UNION ALL SELECT 'level_up', 'w' || g, '{}'::jsonb, ${ago(30)}::timestamptz, NULL FROM generate_series(1, 6) g`.execute(db);
    await sql`
      INSERT INTO webhook_deliveries (provider, payment_id, status, received_at, signature_ok)
      SELECT 'nowpayments', 'old' || g, 'applied', ${ago(100)}::timestamptz, true FROM generate_series(1, 12) g
      UNION ALL SELECT 'nowpayments', 'new' || g, 'applied', ${ago(5)}::timestamptz, true FROM generate_series(1, 3) g`.execute(db);
    await sql`
      INSERT INTO webhook_unverified (provider, hour, deliveries)
      VALUES ('ton', date_trunc('hour', ${ago(91)}::timestamptz), 40), ('ton', date_trunc('hour', ${ago(89)}::timestamptz), 2)`.execute(db);

    const removed = await applyRetention(db, { outboxDays: 7, webhookDays: 90 }, NOW, 5);
    expect(removed).toEqual({ outbox: 23, webhookDeliveries: 12, unverifiedCounts: 1 });
    const outbox = await sql<{ user_id: string }>`SELECT user_id FROM outbox ORDER BY id`.execute(db);
    expect(outbox.rows.map((r) => r.user_id[0])).toEqual([...'vvvvwwwwww']);
    const receipts = await sql<{ payment_id: string }>`SELECT payment_id FROM webhook_deliveries ORDER BY id`.execute(db);
    expect(receipts.rows.map((r) => r.payment_id)).toEqual(['new1', 'new2', 'new3']);
    const counts = await sql<{ deliveries: string }>`SELECT deliveries FROM webhook_unverified`.execute(db);
    expect(counts.rows).toEqual([{ deliveries: '2' }]);

    // A second run finds nothing more to delete.
    expect(await applyRetention(db, { outboxDays: 7, webhookDays: 90 }, NOW, 5)).toEqual({ outbox: 0, webhookDeliveries: 0, unverifiedCounts: 0 });
  });
});
