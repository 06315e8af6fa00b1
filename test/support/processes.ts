import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ENGINE_NODE_FLAGS, SOURCE_NODE_FLAGS } from '@points-engine/runtime';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// `--import tsx` is resolved from the working directory; by its file URL it loads from any.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const NODE_FLAGS = [...ENGINE_NODE_FLAGS, ...SOURCE_NODE_FLAGS.map((flag) => (flag === 'tsx' ? TSX : flag))];

export interface EngineProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts one of the engine's real entry points as a child process with the given environment, as
 * the start scripts do (`node --import tsx`, no wrapper): a SIGKILL then kills the engine itself.
 * Through the tsx CLI it killed only the wrapper, and the real worker lived on as an orphan.
 * The working directory is the repository unless `cwd` says otherwise (where a .env is read from).
 */
export function spawnApp(entry: string, env: Record<string, string | undefined>, args: string[] = [], options: { cwd?: string } = {}): EngineProcess {
  // `undefined` unsets a variable the test process has (so a .env can provide it).
  const childEnv = Object.fromEntries(Object.entries({ ...process.env, LOG_LEVEL: 'info', ...env }).filter(([, value]) => value !== undefined));
  const child = spawn(process.execPath, [...NODE_FLAGS, resolve(ROOT, entry), ...args], { cwd: options.cwd ?? ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}
