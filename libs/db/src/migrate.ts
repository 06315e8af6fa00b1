import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './database.ts';
import * as ledger from './migrations/0001-ledger.ts';
import * as outboxDelivery from './migrations/0002-outbox-delivery.ts';
import * as webhooks from './migrations/0003-webhooks.ts';
import * as writePath from './migrations/0004-write-path.ts';
import * as cycleShards from './migrations/0005-cycle-shards.ts';
import * as apiKeys from './migrations/0006-api-keys.ts';
import * as payments from './migrations/0007-payments.ts';
import * as ruleWindows from './migrations/0008-rule-windows.ts';

/** The migrations in order; a new one is appended, an old one never edited. */
const migrations: Record<string, Migration> = {
  '0001-ledger': ledger,
  '0002-outbox-delivery': outboxDelivery,
  '0003-webhooks': webhooks,
  '0004-write-path': writePath,
  '0005-cycle-shards': cycleShards,
  '0006-api-keys': apiKeys,
  '0007-payments': payments,
  '0008-rule-windows': ruleWindows,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

// Migrations are written against no schema type: they run before the schema exists.
const migrator = (db: Kysely<Database>): Migrator =>
  new Migrator({ db: db as unknown as Kysely<unknown>, provider, migrationTableName: 'schema_migrations', migrationLockTableName: 'schema_migrations_lock' });

/** Applies every pending migration; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The migrations this code knows that the database has not applied, in order. Reads only: creates nothing. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  return (await migrator(db).getMigrations()).filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
