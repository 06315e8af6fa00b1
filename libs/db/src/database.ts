import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** int8 and numeric arrive from pg as strings; never read them as JS numbers implicitly. */
type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
type Int8Default = ColumnType<string, string | number | bigint | undefined, string | number | bigint>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** DATE columns are parsed as 'YYYY-MM-DD' strings (see connect.ts). */
type Day = ColumnType<string, string, string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface UsersTable {
  user_id: string;
  tier: string | null;
  tier_ends_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  token_balance: Int8Default;
  allowance_capacity: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  level: ColumnType<number, number | undefined, number>;
  lifetime_earned: Int8Default;
  lifetime_spent: Int8Default;
  points_consumed: Int8Default;
  current_streak: ColumnType<number, number | undefined, number>;
  longest_streak: ColumnType<number, number | undefined, number>;
  last_login_day: ColumnType<string | null, string | null | undefined, string | null>;
  cap_day: ColumnType<string | null, string | null | undefined, string | null>;
  cap_earned: Int8Default;
  last_earned_at: ColumnType<Record<string, number>, string | undefined, string>;
  referrer_id: string | null;
  /** The earning rules' recent history (migration 0008); null on rows not written since. */
  rule_windows: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AccountsTable {
  id: Generated<string>;
  user_id: string | null;
  system_name: string | null;
  asset: string;
  bucket: ColumnType<string, string | undefined, string>;
  balance: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  min_balance: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  created_at: Timestamp;
}

export interface LedgerTransactionsTable {
  id: Generated<string>;
  idempotency_key: string;
  kind: string;
  user_id: string;
  status: 'applied' | 'rejected';
  reason: string | null;
  amount: Int8Default;
  payload_hash: string;
  payload: Json<Record<string, unknown>>;
  outcome: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface EntriesTable {
  id: Generated<string>;
  transaction_id: Int8;
  account_id: Int8;
  user_id: string | null;
  asset: string;
  amount: Int8;
  balance_before: ColumnType<string | null, string | number | null, never>;
  balance_after: ColumnType<string | null, string | number | null, never>;
  created_at: Timestamp;
}

export interface IdempotencyConflictsTable {
  id: Generated<string>;
  idempotency_key: string;
  payload_hash: string;
  payload: Json<Record<string, unknown>>;
  /** Null when the API refused a key whose first event was still only queued (0006-api-keys). */
  first_transaction_id: ColumnType<string | null, string | number | bigint | null, string | number | bigint | null>;
  created_at: Timestamp;
}

export interface ReversalsTable {
  original_key: string;
  reversal_key: string;
  created_at: Timestamp;
}

export interface HoldsTable {
  hold_key: string;
  user_id: string;
  amounts: Json<Record<string, number>>;
  status: 'open' | 'settled' | 'voided' | 'lapsed';
  expires_at: ColumnType<Date, Date | string, Date | string>;
  created_at: Timestamp;
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface UserDaysTable {
  user_id: string;
  day: Day;
  earned: Int8Default;
  inflow: Int8Default;
}

export interface OutboxTable {
  id: Generated<string>;
  event_id: Generated<string>;
  type: string;
  user_id: string;
  payload: Json<Record<string, unknown>>;
  transaction_id: ColumnType<string | null, string | number | null | undefined, never>;
  created_at: Timestamp;
  /** Set by the relay once Redis accepted the row's jobs (bot-events, callbacks), in the claiming transaction. */
  delivered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Times the relay failed to hand the row to Redis (0002-outbox-delivery). */
  publish_errors: ColumnType<number, number | undefined, number>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  /** HTTP callback attempts made and the first 2xx answer (when CALLBACK_URL is set). */
  callback_attempts: ColumnType<number, number | undefined, number>;
  callback_delivered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  callback_last_error: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  scopes: string[];
  secret_hash: string;
  created_at: Timestamp;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The key stops verifying from then on (0006-api-keys). */
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface CycleRunsTable {
  kind: string;
  period: string;
  cursor: string | null;
  /** A stream's range: users up to this id (inclusive); null: unbounded. */
  until: ColumnType<string | null, string | null | undefined, string | null>;
  users: Int8Default;
  started_at: Timestamp;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  provider: string;
  payment_id: string | null;
  status: string;
  received_at: Timestamp;
  signature_ok: boolean;
  event_key: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
}

export type PaymentStatus = 'received' | 'queued' | 'applied' | 'rejected' | 'parked';
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** A verified payment or refund, stored before the provider's 200 (0007-payments). */
export interface PaymentsTable {
  id: Generated<string>;
  provider: string;
  kind: 'purchase' | 'refund';
  payment_id: string;
  status: PaymentStatus;
  user_id: string | null;
  claimed_user_id: string | null;
  event_key: string;
  original_key: string | null;
  event: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  reason: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  received_at: Timestamp;
  queued_at: NullableTimestamp;
  applied_at: NullableTimestamp;
  updated_at: Timestamp;
}

/** Unverified webhook deliveries, counted per provider and hour. */
export interface WebhookUnverifiedTable {
  provider: string;
  hour: ColumnType<Date, Date | string, Date | string>;
  deliveries: Int8Default;
  last_ip: string | null;
  last_at: Timestamp;
}

/** Every table the engine owns, for Kysely. */
export interface Database {
  users: UsersTable;
  accounts: AccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  entries: EntriesTable;
  idempotency_conflicts: IdempotencyConflictsTable;
  reversals: ReversalsTable;
  holds: HoldsTable;
  user_days: UserDaysTable;
  outbox: OutboxTable;
  api_keys: ApiKeysTable;
  cycle_runs: CycleRunsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  payments: PaymentsTable;
  webhook_unverified: WebhookUnverifiedTable;
}

export type UserRow = Selectable<UsersTable>;
export type AccountRow = Selectable<AccountsTable>;
export type LedgerTransactionRow = Selectable<LedgerTransactionsTable>;
export type EntryRow = Selectable<EntriesTable>;
export type HoldRow = Selectable<HoldsTable>;
export type NewUser = Insertable<UsersTable>;
