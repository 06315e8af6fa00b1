// Isolation: its own database (cloned from the template); only backends of this file's own pool are terminated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { connectDatabase, type DbHandle } from '@points-engine/db';
import { createTestDatabase } from '../support/services.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: DbHandle;
beforeAll(async () => {
  database = await createTestDatabase();
  pool = connectDatabase(database.url, { max: 2, applicationName: 'points-engine-connection-loss-test' });
});
afterAll(async () => {
  await pool.close();
  await database.close();
});

const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

describe('a pooled connection whose backend goes away', () => {
  it('does not crash the process while it is checked out between queries, and the pool recovers', async () => {
    process.on('uncaughtException', onUncaught);
    try {
      const failed = await pool.db
        .connection()
        .execute(async (connection) => {
          const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(connection);
          // Another session ends this one while it sits idle between two queries (as a ledger
          // writer does holding its lock, or the outbox relay while it publishes to Redis).
          await sql`SELECT pg_terminate_backend(${rows[0]?.pid}::int)`.execute(database.db);
          await new Promise((resolve) => setTimeout(resolve, 300));
          await sql`SELECT 1`.execute(connection);
          return null;
        })
        .catch((error: unknown) => error);
      // The loss reaches the code that used the connection, as an error it can handle.
      expect(failed).toBeInstanceOf(Error);
      expect(uncaught).toEqual([]);
      // The broken client was dropped: the next query gets a fresh connection.
      const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(pool.db);
      expect(rows[0]?.one).toBe(1);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
