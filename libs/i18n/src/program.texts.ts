import { own, type Program } from '@points-engine/domain';
import type { Lang } from './lang.ts';

// Level names and activity labels live in the program (the operator edits them with the
// economy), so these read it rather than keep a second copy that could drift.

/** The localized name of a level; `level N` if the program has no such level. */
export function levelName(program: Program, level: number, lang: Lang): string {
  const rule = program.levels.find((l) => l.level === level);
  return rule ? rule.name[lang] : lang === 'ru' ? `уровень ${level}` : `level ${level}`;
}

/** The localized label of an earning activity, falling back to its code. */
export function activityLabel(program: Program, activity: string, lang: Lang): string {
  return own(program.earning.activities, activity)?.label?.[lang] ?? activity;
}

/** The localized label of an asset, falling back to its code. */
export function assetLabel(program: Program, asset: string, lang: Lang): string {
  const assets = program.assets as Record<string, { label?: { ru: string; en: string } | undefined } | undefined>;
  return own(assets, asset)?.label?.[lang] ?? asset;
}
