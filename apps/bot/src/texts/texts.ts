import type { Lang } from '@points-engine/i18n';
import type { BotTexts } from './bot-texts.types.ts';
import { en } from './en.texts.ts';
import { ru } from './ru.texts.ts';

export type { BotTexts, TypeLabel } from './bot-texts.types.ts';

const TEXTS: Readonly<Record<Lang, BotTexts>> = { en, ru };

/** The texts of a language. */
export const textsFor = (lang: Lang): BotTexts => TEXTS[lang];
