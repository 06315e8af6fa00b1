import { readFileSync } from 'node:fs';
import { defaultProgram, programSchema, type Program } from '@points-engine/domain';
import { ConfigError } from './load-config.ts';

/** Loads and validates the program file (JSON); the seeds' default program when no file is given. */
export function loadProgram(path: string | undefined): Program {
  if (!path) return defaultProgram;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`PROGRAM_FILE: cannot read ${path} as JSON (${(error as Error).message})`]);
  }
  const parsed = programSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `PROGRAM_FILE ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return parsed.data;
}
