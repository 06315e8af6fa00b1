import { sql } from 'kysely';
import { z } from 'zod';
import { toSafeInteger } from '@points-engine/domain';
import type { Executor } from '@points-engine/db';
import { reasonText, type Lang } from '@points-engine/i18n';
import { int, int8Id, isoTime, jsonObject } from './wire.schema.ts';

/** How one transaction moved one of the user's accounts. */
const accountChangeSchema = z.object({ asset: z.string(), bucket: z.string(), amount: int, balance_before: int, balance_after: int });

/** One transaction in a user's history. */
export const historyItemSchema = z.object({
  transaction_id: int8Id,
  idempotency_key: z.string(),
  type: z.string().meta({ description: 'the event kind (earn, spend, grant, cycle, …)' }),
  status: z.enum(['applied', 'rejected']),
  reason: z.string().nullable().meta({ description: 'why it was rejected, or why an applied event earned less than its rate' }),
  reason_text: z.string().nullable().meta({ description: '`reason` as a sentence in the answer\'s language' }),
  amount: int,
  balance_before: int.nullable().meta({ description: 'spendable points before (null: the transaction did not touch them)' }),
  balance_after: int.nullable(),
  changes: z.array(accountChangeSchema).meta({ description: "every change to this user's accounts, in order" }),
  details: jsonObject,
  metadata: jsonObject,
  created_at: isoTime,
}).meta({ id: 'HistoryItem' });

/** GET /api/points/history: a page of a user's transactions, newest first. */
export const historyPageSchema = z.object({
  items: z.array(historyItemSchema),
  next_cursor: z.string().nullable().meta({ description: 'pass as `cursor` for the next page; null on the last page' }),
});
export type HistoryPage = z.output<typeof historyPageSchema>;

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
export async function getHistory(db: Executor, userId: string, filter: HistoryFilter): Promise<HistoryPage> {
  const before = filter.cursor ? decodeCursor(filter.cursor) : null;
  const upper = before ?? '9223372036854775807';
  const kind = filter.kind ?? null;
  const from = filter.from ?? null;
  const to = filter.to ?? null;
  const take = filter.limit + 1;
  // Each branch yields its newest `take` matches, so the union's newest `take` are exact.
  const rows = (
    await sql<{
      id: string; idempotency_key: string; kind: string; status: 'applied' | 'rejected'; reason: string | null; amount: string;
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
      // Both are JSON objects by the events' schema (metadata) and the outcome's shape (details).
      details: (row.outcome['details'] ?? {}) as Record<string, unknown>,
      metadata: (row.payload['metadata'] ?? {}) as Record<string, unknown>,
      created_at: row.created_at.toISOString(),
    };
  });
  const last = page.at(-1);
  return { items, next_cursor: rows.length > filter.limit && last ? encodeCursor(last.id) : null };
}
