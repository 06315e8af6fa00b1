import { sql } from 'kysely';
import { cycleIndex } from '@points-engine/domain';
import { runCycle } from '@points-engine/ledger';
import type { BenchEnv } from '../support/bench-env.ts';

/**
 * Seeds `users` users who all used part of their allowance (40 used, 30 waiting, 300 available
 * of 370), through one balanced seed transaction, then times one 15-minute cycle (flush and
 * replenishment) over all of them.
 */
export async function cycleOverUsers(env: BenchEnv, users: number, batchSize: number): Promise<{ seconds: number; usersPerSecond: number; seedSeconds: number }> {
  const db = env.database.db;
  const seedStarted = performance.now();
  await sql`INSERT INTO users (user_id, allowance_capacity) SELECT 'c' || g, 370 FROM generate_series(1, ${users}::int) g`.execute(db);
  const tx = await sql<{ id: string }>`
    INSERT INTO ledger_transactions (idempotency_key, kind, user_id, status, amount, payload_hash, payload, outcome)
    VALUES ('bench-seed:cycle', 'seed', '$system', 'applied', 0, 'seed', '{}', '{}') RETURNING id`.execute(db);
  const transactionId = (tx.rows[0] as { id: string }).id;
  await sql`
    INSERT INTO accounts (user_id, asset, bucket, balance, min_balance)
    SELECT 'c' || g, 'allowance', x.bucket, x.balance, 0
    FROM generate_series(1, ${users}::int) g, (VALUES ('main', 300), ('used', 40), ('pending', 30)) AS x(bucket, balance)`.execute(db);
  await sql`
    INSERT INTO entries (transaction_id, account_id, user_id, asset, amount, balance_before, balance_after)
    SELECT ${transactionId}::int8, id, user_id, 'allowance', balance, 0, balance FROM accounts
    WHERE user_id LIKE 'c%' AND asset = 'allowance'`.execute(db);
  await sql`
    INSERT INTO entries (transaction_id, account_id, asset, amount)
    VALUES (${transactionId}::int8, ${env.ledger.systemAccounts.get('issuance:allowance') as string}::int8, 'allowance', ${-370 * users}::int8)`.execute(db);
  await sql`ANALYZE`.execute(db);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const started = performance.now();
  const period = cycleIndex(Date.now(), env.ledger.program.allowance.cycle_minutes);
  const result = await runCycle(env.ledger, period, batchSize);
  const seconds = (performance.now() - started) / 1000;
  if (result.users !== users) throw new Error(`cycle visited ${result.users} of ${users} users`);
  return { seconds, usersPerSecond: users / seconds, seedSeconds };
}
