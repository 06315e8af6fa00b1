import { sql, type Kysely } from 'kysely';

// Frozen: this file imports no application code and never changes once released.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
    END $$;

    CREATE TABLE users (
      user_id            text PRIMARY KEY,
      tier               text,
      tier_ends_at       timestamptz,
      token_balance      numeric(78, 0) NOT NULL DEFAULT 0,
      allowance_capacity bigint,
      level              integer NOT NULL DEFAULT 1,
      lifetime_earned    bigint NOT NULL DEFAULT 0,
      lifetime_spent     bigint NOT NULL DEFAULT 0,
      points_consumed    bigint NOT NULL DEFAULT 0,
      current_streak     integer NOT NULL DEFAULT 0,
      longest_streak     integer NOT NULL DEFAULT 0,
      last_login_day     date,
      cap_day            date,
      cap_earned         bigint NOT NULL DEFAULT 0,
      last_earned_at     jsonb NOT NULL DEFAULT '{}',
      referrer_id        text,
      created_at         timestamptz NOT NULL DEFAULT now(),
      updated_at         timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX users_tier_ends ON users (tier_ends_at) WHERE tier_ends_at IS NOT NULL;
    CREATE INDEX users_streak ON users (last_login_day) WHERE current_streak > 0;

    -- A user account per (user, asset, bucket) holds a stored balance with its own floor.
    -- System accounts hold no stored balance: theirs is the sum of their entries, so no
    -- transaction ever updates a shared row.
    CREATE TABLE accounts (
      id          bigserial PRIMARY KEY,
      user_id     text,
      system_name text,
      asset       text NOT NULL,
      bucket      text NOT NULL DEFAULT 'main',
      balance     bigint,
      min_balance bigint,
      created_at  timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT accounts_owner CHECK ((user_id IS NULL) <> (system_name IS NULL)),
      CONSTRAINT accounts_user_balance CHECK (user_id IS NULL OR (balance IS NOT NULL AND min_balance IS NOT NULL)),
      CONSTRAINT accounts_floor CHECK (balance IS NULL OR balance >= min_balance),
      CONSTRAINT accounts_system_derived CHECK (system_name IS NULL OR balance IS NULL)
    );
    CREATE UNIQUE INDEX accounts_user_key ON accounts (user_id, asset, bucket) WHERE user_id IS NOT NULL;
    CREATE UNIQUE INDEX accounts_system_key ON accounts (system_name, asset) WHERE system_name IS NOT NULL;
    -- Finds the users the 15-minute cycle must visit; balance is not indexed so updates stay HOT.
    CREATE INDEX accounts_cycle ON accounts (user_id) WHERE bucket IN ('used', 'pending');

    -- One row per idempotency key: the first outcome of the event, rejections included.
    CREATE TABLE ledger_transactions (
      id              bigserial PRIMARY KEY,
      idempotency_key text NOT NULL,
      kind            text NOT NULL,
      user_id         text NOT NULL,
      status          text NOT NULL CHECK (status IN ('applied', 'rejected')),
      reason          text,
      amount          bigint NOT NULL DEFAULT 0,
      payload_hash    text NOT NULL,
      payload         jsonb NOT NULL,
      outcome         jsonb NOT NULL,
      created_at      timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT ledger_transactions_idempotency_key UNIQUE (idempotency_key)
    );
    CREATE INDEX ledger_transactions_user ON ledger_transactions (user_id, id DESC);
    CREATE INDEX ledger_transactions_created ON ledger_transactions (created_at);
    CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
      FOR EACH ROW EXECUTE FUNCTION forbid_change();
    CREATE TRIGGER ledger_transactions_no_truncate BEFORE TRUNCATE ON ledger_transactions
      FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

    -- No foreign keys on the hottest table: a key check would lock the shared system account
    -- rows. The reconcile command checks what they would have.
    CREATE TABLE entries (
      id             bigserial PRIMARY KEY,
      transaction_id bigint NOT NULL,
      account_id     bigint NOT NULL,
      user_id        text,
      asset          text NOT NULL,
      amount         bigint NOT NULL CHECK (amount <> 0),
      balance_before bigint,
      balance_after  bigint,
      created_at     timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT entries_audit CHECK (balance_after IS NULL OR balance_after = balance_before + amount)
    );
    CREATE INDEX entries_account ON entries (account_id, id);
    CREATE INDEX entries_user ON entries (user_id, transaction_id DESC) WHERE user_id IS NOT NULL;
    CREATE INDEX entries_transaction ON entries (transaction_id);
    CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
      FOR EACH ROW EXECUTE FUNCTION forbid_change();
    CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
      FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

    -- At most one reversal per transaction, enforced with the reversal itself.
    CREATE TABLE reversals (
      original_key text PRIMARY KEY,
      reversal_key text NOT NULL UNIQUE,
      created_at   timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE idempotency_conflicts (
      id                   bigserial PRIMARY KEY,
      idempotency_key      text NOT NULL,
      payload_hash         text NOT NULL,
      payload              jsonb NOT NULL,
      first_transaction_id bigint NOT NULL,
      created_at           timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX idempotency_conflicts_key ON idempotency_conflicts (idempotency_key);

    CREATE TABLE holds (
      hold_key   text PRIMARY KEY,
      user_id    text NOT NULL,
      amounts    jsonb NOT NULL,
      status     text NOT NULL CHECK (status IN ('open', 'settled', 'voided', 'lapsed')),
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      closed_at  timestamptz
    );
    CREATE INDEX holds_open_expiry ON holds (expires_at) WHERE status = 'open';
    CREATE INDEX holds_user_open ON holds (user_id) WHERE status = 'open';

    -- Per user and program day: earned points (leaderboards, stats) and every inflow to points
    -- (the lots that expire oldest first).
    CREATE TABLE user_days (
      user_id text NOT NULL,
      day     date NOT NULL,
      earned  bigint NOT NULL DEFAULT 0,
      inflow  bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (user_id, day)
    );
    CREATE INDEX user_days_day ON user_days (day);

    -- Events for the bot, written in the transaction that caused them (transactional outbox).
    CREATE TABLE outbox (
      id             bigserial PRIMARY KEY,
      event_id       uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
      type           text NOT NULL,
      user_id        text NOT NULL,
      payload        jsonb NOT NULL,
      transaction_id bigint,
      created_at     timestamptz NOT NULL DEFAULT now(),
      delivered_at   timestamptz
    );
    CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL;

    CREATE TABLE api_keys (
      id           text PRIMARY KEY,
      name         text NOT NULL,
      scopes       text[] NOT NULL,
      secret_hash  text NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      revoked_at   timestamptz,
      last_used_at timestamptz
    );

    -- Scheduled runs, keyed by their period so a run twice changes nothing.
    CREATE TABLE cycle_runs (
      kind        text NOT NULL,
      period      text NOT NULL,
      cursor      text,
      users       bigint NOT NULL DEFAULT 0,
      started_at  timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      PRIMARY KEY (kind, period)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS cycle_runs, api_keys, outbox, user_days, holds, idempotency_conflicts, reversals,
      entries, ledger_transactions, accounts, users;
    DROP FUNCTION IF EXISTS forbid_change();
  `.execute(db);
}
