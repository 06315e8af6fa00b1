import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ENGINE_NODE_FLAGS, SOURCE_NODE_FLAGS } from '@points-engine/runtime';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface EngineProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts one of the engine's real entry points as a child process with the given environment, as
 * the start scripts do (`node --import tsx`, no wrapper): a SIGKILL then kills the engine itself.
 * Through the tsx CLI it killed only the wrapper, and the real worker lived on as an orphan.
 */
export function spawnApp(entry: string, env: Record<string, string>, args: string[] = []): EngineProcess {
  const child = spawn(process.execPath, [...ENGINE_NODE_FLAGS, ...SOURCE_NODE_FLAGS, entry, ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}
