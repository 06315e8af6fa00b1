import { sql, type Kysely } from 'kysely';

// Frozen: this file imports no application code and never changes once released.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A cycle period runs as streams over disjoint user ranges; each stream's row keeps its
    -- range's upper bound (inclusive; NULL: unbounded) beside its cursor.
    ALTER TABLE cycle_runs ADD COLUMN until text;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE cycle_runs DROP COLUMN until`.execute(db);
}
