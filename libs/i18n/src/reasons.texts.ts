import { own, type LimitReason, type RejectReason } from '@points-engine/domain';
import type { Lang, Localized } from './lang.ts';

/** Every reason an outcome can carry: rejections, limits, and partial applications. */
export type OutcomeReason = RejectReason | LimitReason | 'shortfall' | 'partially_reversed';

// Keyed by the domain's union, so a new reason code without a translation fails the type check.
const REASONS: Readonly<Record<OutcomeReason, Localized>> = {
  insufficient_funds: { en: 'Not enough points', ru: 'Недостаточно поинтов' },
  unknown_activity: { en: 'Unknown activity', ru: 'Неизвестное действие' },
  unknown_task_type: { en: 'Unknown task type', ru: 'Неизвестный тип задачи' },
  unknown_pack: { en: 'Unknown credit pack', ru: 'Неизвестный пакет' },
  unknown_tier: { en: 'Unknown subscription tier', ru: 'Неизвестный тариф' },
  hold_not_found: { en: 'Reservation not found', ru: 'Резерв не найден' },
  hold_closed: { en: 'Reservation is already closed', ru: 'Резерв уже закрыт' },
  missing_referred_user: { en: 'The referred user is missing', ru: 'Не указан приглашённый пользователь' },
  self_referral: { en: 'You cannot refer yourself', ru: 'Нельзя пригласить самого себя' },
  already_referred: { en: 'This user was already referred', ru: 'Этого пользователя уже пригласили' },
  transaction_not_found: { en: 'Transaction not found', ru: 'Транзакция не найдена' },
  not_reversible: { en: 'This transaction cannot be reversed', ru: 'Эту транзакцию нельзя отменить' },
  already_reversed: { en: 'This transaction was already reversed', ru: 'Эта транзакция уже отменена' },
  amount_overflow: { en: 'The amount is too large for the ledger', ru: 'Сумма слишком велика для учёта' },
  rate_limited: { en: 'Too frequent: no points this time', ru: 'Слишком часто: поинты не начислены' },
  daily_cap: { en: 'Daily earning limit reached', ru: 'Достигнут дневной лимит начислений' },
  already_claimed: { en: 'Already claimed today', ru: 'Уже получено сегодня' },
  too_old: { en: 'Too old to count: no points this time', ru: 'Слишком старое событие: поинты не начислены' },
  shortfall: { en: 'Only what was available was charged', ru: 'Списано только то, что было доступно' },
  partially_reversed: { en: 'Partly reversed: some points were already spent', ru: 'Отменено частично: часть поинтов уже потрачена' },
};

export const OUTCOME_REASONS = Object.keys(REASONS) as OutcomeReason[];

/**
 * The text of a reason code; null for no reason. An unknown code (a newer engine's, or a
 * producer-side one) is returned as is rather than hidden.
 */
export function reasonText(reason: string | null | undefined, lang: Lang): string | null {
  if (reason === null || reason === undefined) return null;
  const text = own(REASONS as Readonly<Record<string, Localized>>, reason);
  return text ? text[lang] : reason;
}
