import { sql, type Kysely } from 'kysely';

// Frozen: this file imports no application code and never changes once released.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The earning rules' recent history, so rate limits, the daily cap and streaks hold whatever
    -- order events arrive in: {"earned": {activity: {"from", "at": [epoch ms…]}}, "cap": {"from",
    -- "days": {day: points}}, "logins": {"from", "days": [day…]}} (docs/rules.md). NULL on rows
    -- written before it: the rules then start from last_earned_at, cap_day/cap_earned and
    -- last_login_day, which stay filled (the latest of each) for readers and for a rollback.
    ALTER TABLE users ADD COLUMN rule_windows jsonb;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users DROP COLUMN rule_windows`.execute(db);
}
