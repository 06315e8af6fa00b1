import { z } from 'zod';
import { BP_ONE, type Program } from '@points-engine/domain';
import type { Lang } from '@points-engine/i18n';
import { int } from './wire.schema.ts';

/** One level of the program, as GET /api/points/levels lists it. */
export const levelViewSchema = z.object({
  level: int,
  name: z.string(),
  icon: z.string(),
  threshold: int.meta({ description: 'lifetime earnings where the level starts' }),
  next_threshold: int.nullable().meta({ description: "the next level's threshold; null at the top" }),
  multiplier: z.number().meta({ description: 'earning multiplier (1.2)' }),
}).meta({ id: 'Level' });
export type LevelView = z.output<typeof levelViewSchema>;

/** Every level of the program, lowest first, with its localized name (no database: levels are program data). */
export function listLevels(program: Program, lang: Lang): LevelView[] {
  return program.levels.map((level, index) => ({
    level: level.level,
    name: level.name[lang],
    icon: level.icon,
    threshold: level.threshold,
    next_threshold: program.levels[index + 1]?.threshold ?? null,
    multiplier: level.multiplier / BP_ONE,
  }));
}
