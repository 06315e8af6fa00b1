/** The languages the engine answers in; English is the fallback for anything else. */
export const LANGS = ['ru', 'en'] as const;
export type Lang = (typeof LANGS)[number];

/** Both languages of one text; a missing language is a type error, not a blank answer. */
export type Localized = Readonly<Record<Lang, string>>;

/**
 * Russian nouns take one of three forms after a number (1 поинт, 2 поинта, 5 поинтов);
 * English one of two. `forms` is [one, few, many] for ru and [one, other] for en.
 */
export function plural(lang: Lang, n: number, forms: { ru: readonly [string, string, string]; en: readonly [string, string] }): string {
  if (lang === 'en') return Math.abs(n) === 1 ? forms.en[0] : forms.en[1];
  const abs = Math.abs(n) % 100;
  const last = abs % 10;
  if (abs >= 11 && abs <= 14) return forms.ru[2];
  if (last === 1) return forms.ru[0];
  if (last >= 2 && last <= 4) return forms.ru[1];
  return forms.ru[2];
}

export const POINTS_WORD = { ru: ['поинт', 'поинта', 'поинтов'], en: ['point', 'points'] } as const;
export const DAYS_WORD = { ru: ['день', 'дня', 'дней'], en: ['day', 'days'] } as const;
