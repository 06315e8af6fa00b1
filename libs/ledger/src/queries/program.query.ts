import { BP_ONE, type Program, type ProgramInput } from '@points-engine/domain';

/**
 * The running program as an operator writes it: multipliers back from basis points to
 * decimals (1.2, not 12000), so the answer can be saved as a PROGRAM_FILE and loads the same.
 */
export function describeProgram(program: Program): ProgramInput {
  const decimal = (bp: number) => bp / BP_ONE;
  return {
    ...program,
    tiers: Object.fromEntries(Object.entries(program.tiers).map(([name, tier]) => [name, { ...tier, multiplier: decimal(tier.multiplier) }])),
    levels: program.levels.map((level) => ({ ...level, multiplier: decimal(level.multiplier) })),
  };
}
