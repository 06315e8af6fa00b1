import { z } from 'zod';
import { toSafeInteger, type Program } from '@points-engine/domain';
import type { Executor } from '@points-engine/db';
import { noticeText, type Lang, type NoticePayload } from '@points-engine/i18n';
import { balanceViewSchema, getBalance } from './balance.query.ts';
import { getHistory, historyItemSchema } from './history.query.ts';
import { int, int8Amount, isoTime, jsonObject } from './wire.schema.ts';

/** GET /api/admin/users/{user_id}: what getAdminUserView answers for a user the ledger knows. */
export const adminUserViewSchema = z.object({
  user_id: z.string(),
  created_at: isoTime,
  updated_at: isoTime,
  tier: z.object({ name: z.string(), multiplier: z.number(), ends_at: isoTime.nullable() }),
  referrer_id: z.string().nullable(),
  referrals: int.meta({ description: 'users this user referred' }),
  token_balance: int8Amount,
  balance: balanceViewSchema,
  open_holds: z.array(
    z.object({
      hold_key: z.string(),
      amounts: z.record(z.string(), int).meta({ description: 'held amount per `asset:bucket`' }),
      total: int,
      created_at: isoTime,
      expires_at: isoTime,
    }),
  ),
  recent_history: z.array(historyItemSchema),
  history_next_cursor: z.string().nullable().meta({ description: "GET /api/points/history's `cursor` for older transactions" }),
  recent_notices: z
    .array(
      z.object({
        type: z.string(),
        text: z.string().nullable().meta({ description: 'as the bot would word it, in the answer\'s language' }),
        payload: jsonObject,
        created_at: isoTime,
        delivered: z.boolean(),
      }),
    )
    .meta({ description: 'the last 10 events for the bot (level up, streak milestone, …)' }),
});
export type AdminUserView = z.output<typeof adminUserViewSchema>;

export interface AdminUserOptions {
  now: number;
  lang: Lang;
  /** Most recent transactions to include. */
  historyLimit?: number;
}

/**
 * Everything an operator looks at for one user (the seed's /points_user): the balance view,
 * recent history, open holds, tier, referrer and referrals, and recent notices as the bot would
 * word them. Null for a user the ledger has never seen.
 */
export async function getAdminUserView(db: Executor, program: Program, userId: string, options: AdminUserOptions): Promise<AdminUserView | null> {
  const row = await db.selectFrom('users').select(['user_id', 'referrer_id', 'token_balance', 'created_at', 'updated_at']).where('user_id', '=', userId).executeTakeFirst();
  if (!row) return null;
  const [balance, history, holds, referrals, notices] = await Promise.all([
    getBalance(db, userId, program, options.now, options.lang),
    getHistory(db, userId, { limit: options.historyLimit ?? 20, lang: options.lang }),
    db
      .selectFrom('holds')
      .select(['hold_key', 'amounts', 'expires_at', 'created_at'])
      .where('user_id', '=', userId)
      .where('status', '=', 'open')
      .orderBy('created_at')
      .execute(),
    db.selectFrom('users').select((eb) => eb.fn.countAll<string>().as('count')).where('referrer_id', '=', userId).executeTakeFirst(),
    db.selectFrom('outbox').select(['type', 'payload', 'created_at', 'delivered_at']).where('user_id', '=', userId).orderBy('id', 'desc').limit(10).execute(),
  ]);
  return {
    user_id: userId,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    tier: { name: balance.tier, multiplier: balance.tier_multiplier, ends_at: balance.tier_ends_at },
    referrer_id: row.referrer_id,
    referrals: Number(referrals?.count ?? 0),
    token_balance: row.token_balance,
    balance,
    open_holds: holds.map((h) => ({
      hold_key: h.hold_key,
      amounts: h.amounts,
      total: Object.values(h.amounts).reduce((sum, n) => sum + toSafeInteger(n), 0),
      created_at: h.created_at.toISOString(),
      expires_at: h.expires_at.toISOString(),
    })),
    recent_history: history.items,
    history_next_cursor: history.next_cursor,
    recent_notices: notices.map((n) => ({
      type: n.type,
      text: noticeText({ ...n.payload, type: n.type } as NoticePayload, options.lang, program),
      payload: n.payload,
      created_at: n.created_at.toISOString(),
      delivered: n.delivered_at !== null,
    })),
  };
}
