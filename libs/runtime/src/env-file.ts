import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The file every entry point reads its variables from, in the working directory. */
export const ENV_FILE_NAME = '.env';

/** Where this process looks for its `.env` (the working directory's). */
export const envFilePath = (cwd: string = process.cwd()): string => resolve(cwd, ENV_FILE_NAME);

/**
 * Loads the working directory's `.env` into process.env if there is one, before the config is
 * parsed; answers its path, or null when there is none. Node's process.loadEnvFile never
 * overrides a variable that is already set, so the environment (a container's, a CI job's,
 * `PORT=3001 npm start`) wins over the file. A file that cannot be read stops the process with
 * one line: starting on half a configuration would be worse.
 */
export function loadEnvFileIfPresent(cwd: string = process.cwd()): string | null {
  const path = envFilePath(cwd);
  if (!existsSync(path)) return null;
  try {
    process.loadEnvFile(path);
  } catch (error) {
    process.stderr.write(`cannot read ${path}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  return path;
}
