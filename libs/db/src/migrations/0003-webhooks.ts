import { sql, type Kysely } from 'kysely';

// Frozen: this file imports no application code and never changes once released.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Every payment webhook delivery as it arrived, granted or not: what an operator reads when a
    -- payment "did not arrive" (a wrong secret shows as signature_ok = false, a pending payment as
    -- its status). The ledger's idempotency key, not this table, keeps a payment applied once.
    CREATE TABLE webhook_deliveries (
      id           bigserial PRIMARY KEY,
      provider     text NOT NULL,
      payment_id   text,
      status       text NOT NULL,
      received_at  timestamptz NOT NULL DEFAULT now(),
      signature_ok boolean NOT NULL,
      event_key    text,
      detail       jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX webhook_deliveries_payment ON webhook_deliveries (provider, payment_id);
    CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS webhook_deliveries`.execute(db);
}
