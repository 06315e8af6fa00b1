import { sql, type Kysely } from 'kysely';

// Frozen: this file imports no application code and never changes once released.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Every verified payment and refund, written before the provider is answered 200, so money
    -- never depends on Redis alone: the payment sweeper re-enqueues a row whose event has no
    -- ledger transaction after a while (same idempotency key: applied once), and applies a parked
    -- refund once its payment's transaction exists. One row per provider payment and kind; a
    -- rejected or parked row is replaced by a later delivery's decision, an accepted one never.
    CREATE TABLE payments (
      id              bigserial PRIMARY KEY,
      provider        text NOT NULL,
      kind            text NOT NULL CHECK (kind IN ('purchase', 'refund')),
      payment_id      text NOT NULL,
      status          text NOT NULL CHECK (status IN ('received', 'queued', 'applied', 'rejected', 'parked')),
      -- The buyer (a refund's comes from its payment's ledger transaction once that exists).
      user_id         text,
      -- The user a refund delivery named, kept to show a mismatch.
      claimed_user_id text,
      -- The ledger idempotency key the payment maps to; a refund's original purchase key.
      event_key       text NOT NULL,
      original_key    text,
      -- The event queued (a parked refund: its reverse without a user yet; a rejection: null).
      event           jsonb,
      reason          text,
      detail          jsonb NOT NULL DEFAULT '{}',
      attempts        integer NOT NULL DEFAULT 0,
      received_at     timestamptz NOT NULL DEFAULT now(),
      queued_at       timestamptz,
      applied_at      timestamptz,
      updated_at      timestamptz NOT NULL DEFAULT now(),
      UNIQUE (provider, kind, payment_id)
    );
    CREATE INDEX payments_pending ON payments (id) WHERE status IN ('received', 'queued');
    CREATE INDEX payments_parked ON payments (original_key) WHERE status = 'parked';
    CREATE INDEX payments_event_key ON payments (event_key);

    -- Deliveries whose signature did not verify, counted per provider and hour instead of one row
    -- each: anyone can send them, so they must not grow a table.
    CREATE TABLE webhook_unverified (
      provider   text NOT NULL,
      hour       timestamptz NOT NULL,
      deliveries bigint NOT NULL DEFAULT 0,
      last_ip    text,
      last_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (provider, hour)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS webhook_unverified; DROP TABLE IF EXISTS payments`.execute(db);
}
