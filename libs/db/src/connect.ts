import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { createHash } from 'node:crypto';
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

/**
 * Opens a pool and a Kysely instance over it. `prepare` (default on) prepares each parameterised
 * statement once per connection (see prepareStatements).
 */
export function connectDatabase(url: string, options: { max?: number; applicationName?: string; prepare?: boolean } = {}): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // A connection, once opened, stays: closing idle ones after a quiet spell made the next burst
    // pay for new backends (fork, authentication, empty caches, statements prepared again).
    min: options.max ?? 10,
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
    if (options.prepare !== false) prepareStatements(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool, close: () => db.destroy() };
}

/** Succeeds when PostgreSQL answers a query on this pool (a probe while waiting out an outage). */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`SELECT 1`.execute(db);
}

/** Most statements one connection keeps prepared; past it, statements are planned each time. */
const MAX_PREPARED = 128;

/**
 * PostgreSQL refuses a prepared `SELECT *` once its table gained a column (a migration applied
 * while the process runs): "cached plan must not change result type". The statement is renamed
 * (prepared afresh) and the error is retryable, so the transaction's retry succeeds.
 */
export function isStalePreparedStatement(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === '0A000' && typeof message === 'string' && message.includes('cached plan must not change result type');
}

/**
 * Makes a client prepare each parameterised statement once and reuse it: the apply path runs the
 * same dozen statements for every batch, and planning them every time was a quarter of a small
 * transaction's cost. Statements are named by a hash of their text, so a changed text is a new
 * statement; a connection keeps at most MAX_PREPARED (texts that vary without bound stop being
 * prepared once the budget is spent). Statement texts stay stable because the hot path passes
 * lists as one array parameter (`= ANY($1)`), not as IN lists of varying length.
 */
function prepareStatements(client: pg.PoolClient): void {
  const names = new Map<string, string>();
  let generation = 0;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const patched = (...args: unknown[]): unknown => {
    const [text, values, callback] = args;
    if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined) return query(...args);
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= MAX_PREPARED) return query(text, values);
      name = `pe${generation}_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
      names.set(text, name);
    }
    const result = query({ name, text, values }) as Promise<unknown>;
    return result.catch((error: unknown) => {
      if (isStalePreparedStatement(error)) {
        generation++;
        names.clear();
      }
      throw error;
    });
  };
  (client as unknown as { query: typeof patched }).query = patched;
}
