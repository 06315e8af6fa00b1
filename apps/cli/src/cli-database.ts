import type { Env } from '@points-engine/config';
import { checkPostgres, connectDatabase, databaseName, ensureDatabase, migrateToLatest, pendingMigrations, type DbHandle } from '@points-engine/db';
import { CliError, commandLine } from './cli-errors.ts';

/**
 * The database for one command. `write` (migrate, keys create/rotate/revoke) creates the database
 * if missing and applies pending migrations, as a process does at start. `read` (keys list,
 * reconcile) changes nothing: a missing database or a schema behind this code is an error that
 * names the migrate command, not a migration run as a side effect of looking.
 */
export async function openDatabase(config: Pick<Env, 'DATABASE_URL'>, mode: 'read' | 'write'): Promise<DbHandle & { applied: string[] }> {
  await checkPostgres(config.DATABASE_URL);
  if (mode === 'write') await ensureDatabase(config.DATABASE_URL);
  const handle = connectDatabase(config.DATABASE_URL, { max: 2, applicationName: 'points-engine-cli' });
  try {
    if (mode === 'write') return { ...handle, applied: await migrateToLatest(handle.db) };
    const pending = await pendingMigrations(handle.db);
    if (pending.length > 0) {
      throw new CliError(`the database schema is not current (${pending.length} migration(s) pending: ${pending.join(', ')}): run ${commandLine('migrate')}`);
    }
    return { ...handle, applied: [] };
  } catch (error) {
    await handle.close();
    if ((error as { code?: string }).code === '3D000') {
      throw new CliError(`the database ${databaseName(config.DATABASE_URL)} does not exist: run ${commandLine('migrate')} (it creates the database)`);
    }
    throw error;
  }
}
