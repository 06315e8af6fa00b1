import { loadConfig } from '@points-engine/config';
import { openDatabase } from './cli-database.ts';

/** `migrate`: creates the database if missing and applies every pending migration. */
export async function runMigrate(): Promise<string> {
  const { applied, close } = await openDatabase(loadConfig(), 'write');
  await close();
  return applied.length > 0 ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'the database schema is current (no migration to apply)\n';
}
