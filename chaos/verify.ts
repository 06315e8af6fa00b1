import { sql } from 'kysely';
import type { Db } from '@points-engine/db';
import { payloadHash, type Program } from '@points-engine/domain';
import { checkInvariants, type InvariantViolation } from '@points-engine/ledger';
import type { Workload } from './workload.ts';

/** One failed check, tied to the event that shows it where one can be named. */
export interface Violation {
  check: string;
  key: string | null;
  detail: string;
}

/** What the harness knows it sent and what became of the hostile part of it. */
export interface SentRecord {
  /** Keys of valid events whose delivery the producers gave up on. */
  gaveUp: string[];
  /** Raw hostile jobs: where each went, and the state/failure reason BullMQ holds for it at the end. */
  hostileJobs: { id: string; label: string; state: string; failedReason: string | null }[];
  /** Hostile HTTP requests: the status each was answered with. */
  hostileHttp: { id: string; label: string; expect: number; status: number }[];
  /** Idempotency conflicts actually sent (their original was recorded first), with the job's end state. */
  conflicts: { id: string; key: string; state: string; failedReason: string | null }[];
}

export interface Verification {
  violations: Violation[];
  outcomes: {
    recorded: number;
    applied: number;
    rejected: number;
    byReason: Record<string, number>;
    byKind: Record<string, { sent: number; applied: number; rejected: number }>;
  };
  system: { cycles: number; cycleTransactions: number; days: number; expiryRuns: number; lapses: number; outbox: number; outboxUndelivered: number };
  totals: { users: number; lifetimeEarned: string; experience: string; heldOpen: string };
  invariants: { name: string; ok: boolean; failures: number }[];
}

const SYSTEM_KINDS = new Set(['cycle', 'expiry', 'lapse_hold']);
const INVALID_REASON = /^(invalid event payload|invalid batch payload|job name .* does not match event kind)/;

/**
 * Everything the run must satisfy, against the harness's own list of what it sent:
 * every valid key recorded exactly once with its own payload (none missing, none extra, no
 * hostile key); checkInvariants() empty (entries sum to zero per asset and per transaction, each
 * stored balance equals its entries, no balance below its floor, no orphans); held balances equal
 * the open holds; experience and lifetime totals equal what the entries imply; every hostile
 * payload refused; every conflict refused.
 */
export async function verifyRun(db: Db, program: Program, workload: Workload, sent: SentRecord): Promise<Verification> {
  const violations: Violation[] = [];
  const invariants: Verification['invariants'] = [];
  const check = (name: string, found: Violation[]) => {
    invariants.push({ name, ok: found.length === 0, failures: found.length });
    violations.push(...found);
  };

  // ---- every valid event recorded exactly once, with its own payload; nothing else recorded
  const rows = (
    await sql<{ idempotency_key: string; kind: string; status: string; reason: string | null; payload_hash: string; n: string }>`
      SELECT idempotency_key, min(kind) AS kind, min(status) AS status, min(reason) AS reason, min(payload_hash) AS payload_hash, count(*)::text AS n
      FROM ledger_transactions GROUP BY idempotency_key`.execute(db)
  ).rows;
  const recorded = new Map(rows.map((r) => [r.idempotency_key, r]));
  const planned = new Map(workload.events.map((p) => [p.event.idempotency_key, p]));
  const once: Violation[] = [];
  const byReason: Record<string, number> = {};
  const byKind: Verification['outcomes']['byKind'] = {};
  let applied = 0;
  let rejected = 0;
  for (const { event } of workload.events) {
    const row = recorded.get(event.idempotency_key);
    const kind = (byKind[event.kind] ??= { sent: 0, applied: 0, rejected: 0 });
    kind.sent++;
    if (!row) {
      once.push({ check: 'every valid event recorded', key: event.idempotency_key, detail: `${event.kind} for ${event.user_id} was sent and acknowledged but never recorded` });
      continue;
    }
    if (row.n !== '1') once.push({ check: 'recorded exactly once', key: event.idempotency_key, detail: `${row.n} rows` });
    if (row.payload_hash !== payloadHash(event)) once.push({ check: 'recorded with its own payload', key: event.idempotency_key, detail: 'the recorded payload is not the one sent first (a conflicting payload won)' });
    if (row.status === 'applied') {
      applied++;
      kind.applied++;
    } else {
      rejected++;
      kind.rejected++;
    }
    const reason = `${row.status}: ${row.reason ?? '—'}`;
    byReason[reason] = (byReason[reason] ?? 0) + 1;
  }
  for (const row of rows) {
    if (planned.has(row.idempotency_key) || SYSTEM_KINDS.has(row.kind)) continue;
    once.push({ check: 'nothing recorded that was not sent as a valid event', key: row.idempotency_key, detail: `a ${row.kind} the harness never sent as valid (hostile or invented) was recorded` });
  }
  for (const key of sent.gaveUp) once.push({ check: 'every valid event delivered', key, detail: 'the producer gave up sending it (outage longer than the give-up time)' });
  check('each valid event: outcome recorded exactly once (none missing, none extra)', once);

  // ---- the ledger's own invariants
  const ledger = await checkInvariants(db);
  check('entries sum to zero per asset and per transaction; balances = entries; floors; no orphans (checkInvariants)', await Promise.all(ledger.map((v) => explain(db, v))));

  // ---- holds: each held balance is exactly what the open holds reserve
  const holds = (
    await sql<{ user_id: string; asset: string; open: string; held: string }>`
      WITH open AS (
        SELECT h.user_id, a.key AS asset, sum(a.value::bigint) AS amount
        FROM holds h CROSS JOIN LATERAL jsonb_each_text(h.amounts) a WHERE h.status = 'open' GROUP BY 1, 2)
      SELECT coalesce(o.user_id, acc.user_id) AS user_id, coalesce(o.asset, acc.asset) AS asset,
             coalesce(o.amount, 0)::text AS open, coalesce(acc.balance, 0)::text AS held
      FROM open o FULL JOIN (SELECT user_id, asset, balance FROM accounts WHERE bucket = 'held') acc
        ON acc.user_id = o.user_id AND acc.asset = o.asset
      WHERE coalesce(o.amount, 0) <> coalesce(acc.balance, 0)`.execute(db)
  ).rows;
  check(
    'held balances equal the open holds (no balance below its floor, holds included)',
    await Promise.all(holds.map(async (h) => ({ check: 'held = open holds', key: await lastKeyOf(db, h.user_id, h.asset, 'held'), detail: `${h.user_id} ${h.asset}: held ${h.held}, open holds ${h.open}` }))),
  );

  // ---- experience: what the cycles flushed out of `used` (assets that count as experience)
  const experienceAssets = Object.entries(program.assets).filter(([, rule]) => rule.counts_as_experience).map(([asset]) => asset);
  const experience = (
    await sql<{ user_id: string; stored: string; implied: string }>`
      WITH flushed AS (
        SELECT e.user_id, -sum(e.amount) AS total FROM entries e
        JOIN accounts a ON a.id = e.account_id JOIN ledger_transactions t ON t.id = e.transaction_id
        WHERE t.kind = 'cycle' AND a.bucket = 'used' AND a.asset = ANY(${experienceAssets}::text[]) AND e.amount < 0
        GROUP BY e.user_id),
      stored AS (SELECT user_id, balance FROM accounts WHERE user_id IS NOT NULL AND asset = 'experience' AND bucket = 'main')
      SELECT coalesce(s.user_id, f.user_id) AS user_id, coalesce(s.balance, 0)::text AS stored, coalesce(f.total, 0)::text AS implied
      FROM stored s FULL JOIN flushed f ON f.user_id = s.user_id
      WHERE coalesce(s.balance, 0) <> coalesce(f.total, 0)`.execute(db)
  ).rows;
  check(
    'experience = what the cycles flushed from used (entries)',
    await Promise.all(experience.map(async (r) => ({ check: 'experience', key: await lastKeyOf(db, r.user_id, 'experience', 'main'), detail: `${r.user_id}: experience ${r.stored}, entries imply ${r.implied}` }))),
  );

  // ---- lifetime earned: points credited to main by earn / purchase_bonus / grant, minus the
  // originals a reversal took back (the engine drops lifetime earnings by the whole credited
  // amount, recovered or not: README "Reversal policy")
  const lifetime = (
    await sql<{ user_id: string; stored: string; implied: string }>`
      WITH earned AS (
        SELECT e.user_id, sum(e.amount) AS total FROM entries e
        JOIN accounts a ON a.id = e.account_id JOIN ledger_transactions t ON t.id = e.transaction_id
        WHERE t.status = 'applied' AND t.kind IN ('earn', 'purchase_bonus', 'grant') AND a.asset = 'points' AND a.bucket = 'main' AND e.user_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.original_key = t.idempotency_key)
        GROUP BY e.user_id)
      SELECT coalesce(u.user_id, x.user_id) AS user_id, coalesce(u.lifetime_earned, 0)::text AS stored, coalesce(x.total, 0)::text AS implied
      FROM users u FULL JOIN earned x ON x.user_id = u.user_id
      WHERE coalesce(u.lifetime_earned, 0) <> coalesce(x.total, 0)`.execute(db)
  ).rows;
  check(
    'users.lifetime_earned = points credited by earn/purchase/grant, minus reversed originals (entries)',
    await Promise.all(lifetime.map(async (r) => ({ check: 'lifetime earned', key: await lastKeyOf(db, r.user_id, 'points', 'main'), detail: `${r.user_id}: lifetime_earned ${r.stored}, entries imply ${r.implied}` }))),
  );
  const spent = (
    await sql<{ user_id: string; stored: string; implied: string }>`
      WITH charged AS (
        SELECT e.user_id, sum(e.amount) AS total FROM entries e JOIN accounts a ON a.id = e.account_id
        WHERE a.asset = 'points' AND a.bucket = 'used' AND e.amount > 0 GROUP BY e.user_id)
      SELECT coalesce(u.user_id, c.user_id) AS user_id, coalesce(u.lifetime_spent, 0)::text AS stored, coalesce(c.total, 0)::text AS implied
      FROM users u FULL JOIN charged c ON c.user_id = u.user_id
      WHERE coalesce(u.lifetime_spent, 0) <> coalesce(c.total, 0)`.execute(db)
  ).rows;
  check(
    'users.lifetime_spent = points charged into used (entries)',
    await Promise.all(spent.map(async (r) => ({ check: 'lifetime spent', key: await lastKeyOf(db, r.user_id, 'points', 'used'), detail: `${r.user_id}: lifetime_spent ${r.stored}, entries imply ${r.implied}` }))),
  );

  // ---- hostile payloads: every raw job failed as invalid, every HTTP request refused with 4xx
  check(
    'hostile queue jobs: each failed as invalid (unrecoverable), none applied',
    sent.hostileJobs
      .filter((j) => j.state !== 'failed' || !INVALID_REASON.test(j.failedReason ?? ''))
      .map((j) => ({ check: 'hostile job', key: j.id, detail: `${j.label}: state ${j.state}, reason ${j.failedReason ?? '—'}` })),
  );
  check(
    'hostile HTTP requests: each answered with its 4xx, nothing queued',
    sent.hostileHttp.filter((h) => h.status !== h.expect).map((h) => ({ check: 'hostile request', key: h.id, detail: `${h.label}: answered ${h.status}, expected ${h.expect}` })),
  );
  const conflictRows = new Set(
    (await db.selectFrom('idempotency_conflicts').select('idempotency_key').execute()).map((r) => r.idempotency_key),
  );
  check(
    'same key, different payload: refused (job failed, conflict recorded, first outcome kept)',
    sent.conflicts
      .filter((c) => c.state !== 'failed' || !/idempotency conflict/.test(c.failedReason ?? '') || !conflictRows.has(c.key))
      .map((c) => ({ check: 'idempotency conflict', key: c.key, detail: `job ${c.id}: state ${c.state}, reason ${c.failedReason ?? '—'}, conflict row ${conflictRows.has(c.key)}` })),
  );

  const count = async (query: ReturnType<typeof sql<{ n: string }>>) => Number((await query.execute(db)).rows[0]?.n ?? 0);
  const system = {
    cycles: await count(sql<{ n: string }>`SELECT count(*)::text AS n FROM cycle_runs WHERE kind = 'cycle' AND finished_at IS NOT NULL`),
    cycleTransactions: await count(sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_transactions WHERE kind = 'cycle'`),
    days: await count(sql<{ n: string }>`SELECT count(*)::text AS n FROM cycle_runs WHERE kind = 'day'`),
    expiryRuns: await count(sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_transactions WHERE kind = 'expiry'`),
    lapses: await count(sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_transactions WHERE kind = 'lapse_hold' AND status = 'applied'`),
    outbox: await count(sql<{ n: string }>`SELECT count(*)::text AS n FROM outbox`),
    outboxUndelivered: await count(sql<{ n: string }>`SELECT count(*)::text AS n FROM outbox WHERE delivered_at IS NULL`),
  };
  const totalsRow = (
    await sql<{ users: string; lifetime: string; experience: string; held: string }>`
      SELECT (SELECT count(*) FROM users)::text AS users, (SELECT coalesce(sum(lifetime_earned), 0) FROM users)::text AS lifetime,
             (SELECT coalesce(sum(balance), 0) FROM accounts WHERE asset = 'experience' AND user_id IS NOT NULL)::text AS experience,
             (SELECT coalesce(sum(balance), 0) FROM accounts WHERE bucket = 'held')::text AS held`.execute(db)
  ).rows[0];
  return {
    violations,
    outcomes: { recorded: rows.length, applied, rejected, byReason, byKind },
    system,
    totals: { users: Number(totalsRow?.users ?? 0), lifetimeEarned: totalsRow?.lifetime ?? '0', experience: totalsRow?.experience ?? '0', heldOpen: totalsRow?.held ?? '0' },
    invariants,
  };
}

/**
 * Ties a checkInvariants() finding to an event: a transaction's key, or for an account the first
 * entry whose balance-before does not continue the running sum (else the account's last entry).
 */
async function explain(db: Db, violation: InvariantViolation): Promise<Violation> {
  const detail = `${violation.check}: ${JSON.stringify(violation.detail)}`;
  const transactionId = violation.detail['transaction_id'];
  if (typeof transactionId === 'string') {
    const row = await db.selectFrom('ledger_transactions').select('idempotency_key').where('id', '=', transactionId).executeTakeFirst();
    return { check: violation.check, key: row?.idempotency_key ?? `transaction ${transactionId}`, detail };
  }
  const accountId = violation.detail['account_id'];
  if (typeof accountId === 'string') {
    const entries = (
      await sql<{ amount: string; balance_before: string | null; key: string }>`
        SELECT e.amount::text, e.balance_before::text, t.idempotency_key AS key FROM entries e
        LEFT JOIN ledger_transactions t ON t.id = e.transaction_id WHERE e.account_id = ${accountId}::int8 ORDER BY e.id`.execute(db)
    ).rows;
    let running = 0n;
    for (const entry of entries) {
      if (entry.balance_before !== null && BigInt(entry.balance_before) !== running) {
        return { check: violation.check, key: entry.key, detail: `${detail}; first entry off the running sum: before ${entry.balance_before}, running ${running}` };
      }
      running += BigInt(entry.amount);
    }
    return { check: violation.check, key: entries.at(-1)?.key ?? null, detail };
  }
  return { check: violation.check, key: null, detail };
}

/** The key of the last transaction that moved a user's account (to name an event for a per-user finding). */
async function lastKeyOf(db: Db, userId: string, asset: string, bucket: string): Promise<string | null> {
  const row = (
    await sql<{ key: string }>`
      SELECT t.idempotency_key AS key FROM entries e JOIN accounts a ON a.id = e.account_id
      JOIN ledger_transactions t ON t.id = e.transaction_id
      WHERE a.user_id = ${userId} AND a.asset = ${asset} AND a.bucket = ${bucket} ORDER BY e.id DESC LIMIT 1`.execute(db)
  ).rows[0];
  return row?.key ?? null;
}
