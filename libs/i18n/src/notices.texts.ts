import type { Program } from '@points-engine/domain';
import { DAYS_WORD, plural, POINTS_WORD, type Lang } from './lang.ts';
import { assetLabel, levelName } from './program.texts.ts';

/**
 * A notice as stored in the outbox: the domain's Notice (camelCase) or the day boundary's
 * `points_expiring`. Fields are read defensively because outbox rows outlive code versions.
 */
export type NoticePayload = { type: string } & Record<string, unknown>;

export const NOTICE_TYPES = ['level_up', 'streak_milestone', 'purchase_applied', 'hold_lapsed', 'points_expiring'] as const;

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : Number(value ?? 0) || 0);
const points = (lang: Lang, n: number) => `${n} ${plural(lang, n, POINTS_WORD)}`;

/** The short message a bot shows for a notice; null for a type it has no text for. */
export function noticeText(notice: NoticePayload, lang: Lang, program: Program): string | null {
  switch (notice.type) {
    case 'level_up': {
      const to = num(notice['to']);
      const icon = program.levels.find((l) => l.level === to)?.icon ?? '';
      const name = `${icon} ${levelName(program, to, lang)}`.trim();
      return lang === 'ru' ? `Новый уровень ${to}: ${name}!` : `Level up! You reached level ${to}: ${name}.`;
    }
    case 'streak_milestone': {
      const streak = num(notice['streak']);
      const bonus = num(notice['bonus']);
      return lang === 'ru'
        ? `Серия ${streak} ${plural(lang, streak, DAYS_WORD)} подряд! Бонус +${points(lang, bonus)}.`
        : `${streak}-day streak! Bonus +${points(lang, bonus)}.`;
    }
    case 'purchase_applied': {
      const credit = num(notice['credit']);
      const bonus = num(notice['bonus']);
      const tier = typeof notice['tier'] === 'string' ? notice['tier'] : null;
      const parts = [
        credit > 0 ? `+${credit} ${assetLabel(program, 'credit', lang)}` : null,
        bonus > 0 ? `+${points(lang, bonus)}` : null,
        tier ? (lang === 'ru' ? `тариф ${tier}` : `tier ${tier}`) : null,
      ].filter((p): p is string => p !== null);
      const head = lang === 'ru' ? 'Покупка зачислена' : 'Purchase applied';
      return parts.length > 0 ? `${head}: ${parts.join(', ')}.` : `${head}.`;
    }
    case 'hold_lapsed': {
      const released = num(notice['released']);
      return lang === 'ru'
        ? `Резерв истёк: ${released} возвращено на баланс.`
        : `A reservation expired: ${released} returned to your balance.`;
    }
    case 'points_expiring': {
      const amount = num(notice['amount']);
      const on = typeof notice['expires_on'] === 'string' ? notice['expires_on'] : '?';
      // The Russian verb agrees with the number too: 1 поинт сгорит, 2 поинта сгорят.
      const verb = plural(lang, amount, { ru: ['сгорит', 'сгорят', 'сгорят'], en: ['will expire', 'will expire'] });
      return lang === 'ru' ? `${points(lang, amount)} ${verb} ${on}.` : `${points(lang, amount)} ${verb} on ${on}.`;
    }
    default:
      return null;
  }
}
