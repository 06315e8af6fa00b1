import { sql, type Kysely } from 'kysely';

// Frozen: this file imports no application code and never changes once released.
// Delivery bookkeeping for the outbox: `delivered_at` (from 0001) is set by the relay in the
// transaction that claimed the row, once Redis accepted the row's jobs; the columns below record
// what went wrong on the way and what the HTTP callback's receiver answered.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE outbox
      ADD COLUMN publish_errors        integer NOT NULL DEFAULT 0,
      ADD COLUMN last_error            text,
      ADD COLUMN callback_attempts     integer NOT NULL DEFAULT 0,
      ADD COLUMN callback_delivered_at timestamptz,
      ADD COLUMN callback_last_error   text;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE outbox
      DROP COLUMN IF EXISTS publish_errors,
      DROP COLUMN IF EXISTS last_error,
      DROP COLUMN IF EXISTS callback_attempts,
      DROP COLUMN IF EXISTS callback_delivered_at,
      DROP COLUMN IF EXISTS callback_last_error;
  `.execute(db);
}
