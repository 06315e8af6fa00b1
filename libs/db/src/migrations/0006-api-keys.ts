import { sql, type Kysely } from 'kysely';

// Frozen: this file imports no application code and never changes once released.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A key may be made to lapse by itself (keys create --expires-in-days).
    ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;

    -- Every API process keeps all keys in memory and reloads them when this channel says a key
    -- changed, so a revocation bites everywhere at once. last_used_at is left out of the column
    -- list: the batched usage writes must not make every process reload.
    CREATE FUNCTION api_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('points_engine_api_keys', coalesce(NEW.id, OLD.id));
      RETURN NULL;
    END;
    $$;
    CREATE TRIGGER api_keys_changed
      AFTER INSERT OR DELETE OR UPDATE OF name, scopes, secret_hash, revoked_at, expires_at ON api_keys
      FOR EACH ROW EXECUTE FUNCTION api_keys_changed();

    -- The API refuses a reused key before queueing it and records the attempt here, also when the
    -- first event is still only queued (no ledger transaction to point at yet).
    ALTER TABLE idempotency_conflicts ALTER COLUMN first_transaction_id DROP NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DELETE FROM idempotency_conflicts WHERE first_transaction_id IS NULL;
    ALTER TABLE idempotency_conflicts ALTER COLUMN first_transaction_id SET NOT NULL;
    DROP TRIGGER IF EXISTS api_keys_changed ON api_keys;
    DROP FUNCTION IF EXISTS api_keys_changed();
    ALTER TABLE api_keys DROP COLUMN expires_at;
  `.execute(db);
}
