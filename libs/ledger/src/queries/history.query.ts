import { sql } from 'kysely';
import { toSafeInteger } from '@points-engine/domain';
import type { Executor } from '@points-engine/db';
import { reasonText, type Lang } from '@points-engine/i18n';

export interface HistoryFilter {
  limit: number;
  /** Opaque cursor from the previous page (the last transaction id seen). */
  cursor?: string | undefined;
  kind?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Language of `reason_text` (default English). */
  lang?: Lang | undefined;
}

export const encodeCursor = (id: string): string => Buffer.from(`t:${id}`).toString('base64url');
export function decodeCursor(cursor: string): string | null {
  const text = Buffer.from(cursor, 'base64url').toString();
  return /^t:\d{1,19}$/.test(text) ? text.slice(2) : null;
}

/**
 * A user's transactions, newest first: their own events (rejected ones included) and any other
 * transaction that moved their balances (a referral bonus from someone else's purchase).
 * Pagination is by transaction id, so pages stay stable while new events arrive.
 */
export async function getHistory(db: Executor, userId: string, filter: HistoryFilter) {
  const before = filter.cursor ? decodeCursor(filter.cursor) : null;
  const upper = before ?? '9223372036854775807';
  const kind = filter.kind ?? null;
  const from = filter.from ?? null;
  const to = filter.to ?? null;
  const take = filter.limit + 1;
  // Each branch yields its newest `take` matches, so the union's newest `take` are exact.
  const rows = (
    await sql<{
      id: string; idempotency_key: string; kind: string; status: string; reason: string | null; amount: string;
      payload: Record<string, unknown>; outcome: Record<string, unknown>; created_at: Date;
    }>`
      WITH ids AS (
        (SELECT id FROM ledger_transactions t
         WHERE t.user_id = ${userId} AND t.id < ${upper}::int8
           AND (${kind}::text IS NULL OR t.kind = ${kind}::text)
           AND (${from}::timestamptz IS NULL OR t.created_at >= ${from}::timestamptz)
           AND (${to}::timestamptz IS NULL OR t.created_at < ${to}::timestamptz)
         ORDER BY t.id DESC LIMIT ${take})
        UNION
        (SELECT e.transaction_id FROM entries e JOIN ledger_transactions t ON t.id = e.transaction_id
         WHERE e.user_id = ${userId} AND e.transaction_id < ${upper}::int8 AND t.user_id <> ${userId}
           AND (${kind}::text IS NULL OR t.kind = ${kind}::text)
           AND (${from}::timestamptz IS NULL OR t.created_at >= ${from}::timestamptz)
           AND (${to}::timestamptz IS NULL OR t.created_at < ${to}::timestamptz)
         ORDER BY e.transaction_id DESC LIMIT ${take})
      )
      SELECT t.id::text, t.idempotency_key, t.kind, t.status, t.reason, t.amount::text, t.payload, t.outcome, t.created_at
      FROM ledger_transactions t WHERE t.id IN (SELECT id FROM ids)
      ORDER BY t.id DESC LIMIT ${take}`.execute(db)
  ).rows;
  const page = rows.slice(0, filter.limit);
  const entries = page.length
    ? await db
        .selectFrom('entries')
        .innerJoin('accounts', 'accounts.id', 'entries.account_id')
        .select(['entries.transaction_id', 'accounts.asset', 'accounts.bucket', 'entries.amount', 'entries.balance_before', 'entries.balance_after'])
        .where('entries.user_id', '=', userId)
        .where('entries.transaction_id', 'in', page.map((r) => r.id))
        .orderBy('entries.id')
        .execute()
    : [];
  const items = page.map((row) => {
    const changes = entries
      .filter((e) => e.transaction_id === row.id)
      .map((e) => ({
        asset: e.asset,
        bucket: e.bucket,
        amount: toSafeInteger(e.amount),
        balance_before: toSafeInteger(e.balance_before ?? '0'),
        balance_after: toSafeInteger(e.balance_after ?? '0'),
      }));
    const points = changes.filter((c) => c.asset === 'points' && c.bucket === 'main');
    return {
      transaction_id: row.id,
      idempotency_key: row.idempotency_key,
      type: row.kind,
      status: row.status,
      reason: row.reason,
      reason_text: reasonText(row.reason, filter.lang ?? 'en'),
      amount: toSafeInteger(row.amount),
      balance_before: points[0]?.balance_before ?? null,
      balance_after: points.at(-1)?.balance_after ?? null,
      changes,
      details: row.outcome['details'] ?? {},
      metadata: row.payload['metadata'] ?? {},
      created_at: row.created_at.toISOString(),
    };
  });
  const last = page.at(-1);
  return { items, next_cursor: rows.length > filter.limit && last ? encodeCursor(last.id) : null };
}
