import type { Context } from 'grammy';
import type { Lang } from '@points-engine/i18n';
import type { BotTexts } from './texts/texts.ts';

/** grammY's context plus the user's language and the texts in it (set by the first middleware). */
export type BotContext = Context & { lang: Lang; t: BotTexts };

/** The language of a Telegram user: Russian for `ru…`, English for everything else. */
export function langOfCode(languageCode: string | undefined): Lang {
  return languageCode?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

/** Telegram's longest message is 4096 characters: a long report is cut, not refused. */
export function clip(text: string, max = 4_096): string {
  return text.length <= max ? text : `${text.slice(0, max - 2)} …`;
}
