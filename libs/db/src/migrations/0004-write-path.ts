import { sql, type Kysely } from 'kysely';

// Frozen: this file imports no application code and never changes once released.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Balance and user-state updates change no indexed column; free space on each page lets
    -- PostgreSQL update them in place (HOT) instead of touching every index.
    ALTER TABLE users SET (fillfactor = 80);
    ALTER TABLE accounts SET (fillfactor = 80);
    ALTER TABLE user_days SET (fillfactor = 80);
    -- Entries are found by transaction, account or user, never by their own id: the id stays
    -- (for ordering) but its unique index is one B-tree insert per entry saved.
    ALTER TABLE entries DROP CONSTRAINT entries_pkey;
    -- Analyze the tables the apply path looks up after 2% growth, not 10%.
    ALTER TABLE users SET (autovacuum_analyze_scale_factor = 0.02);
    ALTER TABLE accounts SET (autovacuum_analyze_scale_factor = 0.02);
    ALTER TABLE user_days SET (autovacuum_analyze_scale_factor = 0.02);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE entries ADD PRIMARY KEY (id);
    ALTER TABLE users RESET (fillfactor, autovacuum_analyze_scale_factor);
    ALTER TABLE accounts RESET (fillfactor, autovacuum_analyze_scale_factor);
    ALTER TABLE user_days RESET (fillfactor, autovacuum_analyze_scale_factor);
  `.execute(db);
}
