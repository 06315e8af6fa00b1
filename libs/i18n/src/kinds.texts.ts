import { own, type EventKind } from '@points-engine/domain';
import type { Lang, Localized } from './lang.ts';

/** Transaction types a person reads: every event kind, the ledger's own runs, and derived types. */
export type TransactionType = EventKind | 'lapse_hold' | 'cycle' | 'expiry' | 'referral_purchase';

// Keyed by the domain's EventKind, so a new event kind without a label fails the type check.
const KINDS: Readonly<Record<TransactionType, Localized>> = {
  earn: { en: 'Earned', ru: 'Начисление' },
  spend: { en: 'Spent', ru: 'Списание' },
  hold: { en: 'Reserved', ru: 'Резерв' },
  settle: { en: 'Reservation settled', ru: 'Резерв списан' },
  void: { en: 'Reservation released', ru: 'Резерв отменён' },
  purchase_bonus: { en: 'Purchase', ru: 'Покупка' },
  referral_purchase: { en: 'Referral purchase bonus', ru: 'Бонус за покупку реферала' },
  grant: { en: 'Granted by an operator', ru: 'Начислено администратором' },
  deduct: { en: 'Deducted by an operator', ru: 'Списано администратором' },
  set_token_balance: { en: 'Token balance update', ru: 'Обновление баланса токенов' },
  reverse: { en: 'Reversal', ru: 'Отмена' },
  lapse_hold: { en: 'Reservation lapsed', ru: 'Резерв истёк' },
  cycle: { en: 'Allowance cycle', ru: 'Цикл лимита' },
  expiry: { en: 'Points expired', ru: 'Поинты сгорели' },
};

/** The label of a transaction type, falling back to its code. */
export function kindLabel(kind: string, lang: Lang): string {
  return own(KINDS as Readonly<Record<string, Localized>>, kind)?.[lang] ?? kind;
}
