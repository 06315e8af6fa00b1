import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';

// DATE as 'YYYY-MM-DD': the default parser makes a Date at local midnight, which shifts days.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Any executor: the database or a transaction. Functions that lock rows take `Tx` instead. */
export type Executor = Kysely<Database> | Transaction<Database>;

export interface DbHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** Opens a pool and a Kysely instance over it. */
export function connectDatabase(url: string, options: { max?: number; applicationName?: string } = {}): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'points-engine',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // A dropped connection emits here; without a listener it would crash the process.
  pool.on('error', () => undefined);
  // The pool only listens on idle clients. A client checked out but between queries (a ledger
  // writer holding the apply lock, the outbox relay's transaction while it publishes to Redis)
  // emits 'error' itself when its backend goes away (PostgreSQL restarted, pg_terminate_backend),
  // which crashed the whole process: every worker exited at once in `npm run chaos`. The error
  // still reaches its user: the next query on that client fails, and the pool drops the broken
  // client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool, close: () => db.destroy() };
}
