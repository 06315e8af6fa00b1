// Isolation: its own database (cloned from the migrated template) and pools of its own; no Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { connectDatabase, isStalePreparedStatement, type DbHandle } from '@points-engine/db';
import { ASSETS, defaultProgram, SYSTEM_ACCOUNTS } from '@points-engine/domain';
import { applyBatch, checkInvariants, ensureSystemAccounts, type LedgerContext } from '@points-engine/ledger';
import { createTestDatabase } from '../support/services.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: DbHandle;
let ctx: LedgerContext;
beforeAll(async () => {
  database = await createTestDatabase();
  pool = connectDatabase(database.url, { max: 1, applicationName: 'points-engine-prepared-test' });
  ctx = { db: pool.db, program: defaultProgram, systemAccounts: await ensureSystemAccounts(pool.db, SYSTEM_ACCOUNTS, ASSETS), retry: { applyLock: true } };
});
afterAll(async () => {
  await pool.close();
  await database.close();
});

const preparedNames = async (db: DbHandle['db']) =>
  (await sql<{ name: string }>`SELECT name FROM pg_prepared_statements ORDER BY name`.execute(db)).rows.map((row) => row.name);

describe('prepared statements', () => {
  it('the apply path prepares its statements once per connection and reuses them for every batch size', async () => {
    await applyBatch(ctx, [{ kind: 'earn', idempotency_key: 'ps:1', user_id: 'ps-a', activity: 'daily_login' }]);
    const afterOne = await preparedNames(pool.db);
    expect(afterOne.length).toBeGreaterThan(3);
    // Batches of other sizes pass their lists as one array parameter: the same statements again.
    await applyBatch(ctx, ['ps-b', 'ps-c', 'ps-d'].map((user, i) => ({ kind: 'earn' as const, idempotency_key: `ps:2:${i}`, user_id: user, activity: 'daily_login' as const })));
    await applyBatch(ctx, ['ps-e', 'ps-f'].map((user, i) => ({ kind: 'earn' as const, idempotency_key: `ps:3:${i}`, user_id: user, activity: 'daily_login' as const })));
    const afterMore = (await preparedNames(pool.db)).filter((name) => name.startsWith('pe'));
    expect(afterMore).toEqual(afterOne.filter((name) => name.startsWith('pe')));
  });

  it('a table that gains a column while statements are prepared costs one retry, not a failing worker', async () => {
    // Prepare the apply path's `SELECT * FROM users … FOR UPDATE` on this pool's one connection.
    await applyBatch(ctx, [{ kind: 'earn', idempotency_key: 'ps:4', user_id: 'ps-g', activity: 'daily_login' }]);
    const other = connectDatabase(database.url, { max: 1, prepare: false });
    try {
      await sql`ALTER TABLE users ADD COLUMN added_by_a_migration text`.execute(other.db);
    } finally {
      await other.close();
    }
    // The prepared users statement now fails as PostgreSQL says it must; the ledger still applies
    // the next event, through one retry with the statement prepared afresh under a new name.
    const retries: unknown[] = [];
    const results = await applyBatch({ ...ctx, retry: { ...ctx.retry, onRetry: (_attempt, error) => retries.push(error) } }, [
      { kind: 'earn', idempotency_key: 'ps:5', user_id: 'ps-g', activity: 'text_request' },
    ]);
    expect(results[0]).toMatchObject({ type: 'applied' });
    expect(retries).toHaveLength(1);
    expect(isStalePreparedStatement(retries[0])).toBe(true);
    expect((await preparedNames(pool.db)).some((name) => name.startsWith('pe1_'))).toBe(true);
    expect(await checkInvariants(pool.db)).toEqual([]);
  });
});
