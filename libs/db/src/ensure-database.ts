import pg from 'pg';

/** The database name in a connection URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL ${redactUrl(url)} names no database`);
  return name;
}

/** The URL with its password replaced, for messages. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** The same server's maintenance database, for creating and dropping others. */
function adminClient(url: string): pg.Client {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  return new pg.Client({ connectionString: admin.toString() });
}

/** Creates the database named in the URL if it does not exist (connecting to `postgres`). */
export async function ensureDatabase(url: string, template?: string): Promise<boolean> {
  const name = databaseName(url);
  const client = adminClient(url);
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    const ident = pg.escapeIdentifier(name);
    try {
      await client.query(template ? `CREATE DATABASE ${ident} TEMPLATE ${pg.escapeIdentifier(template)}` : `CREATE DATABASE ${ident}`);
    } catch (error) {
      // Another process created it between our check and our CREATE.
      if ((error as { code?: string }).code !== '42P04') throw error;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}

/** Drops a database, ending its other connections first (tests and benchmarks). */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const client = adminClient(url);
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
