import { BP_ONE, type Program } from '@points-engine/domain';
import type { Lang } from '@points-engine/i18n';

/** Every level of the program, lowest first, with its localized name (no database: levels are program data). */
export function listLevels(program: Program, lang: Lang) {
  return program.levels.map((level, index) => ({
    level: level.level,
    name: level.name[lang],
    icon: level.icon,
    threshold: level.threshold,
    /** The next level's threshold, null at the top. */
    next_threshold: program.levels[index + 1]?.threshold ?? null,
    multiplier: level.multiplier / BP_ONE,
  }));
}
