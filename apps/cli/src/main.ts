// First, before anything else is loaded (a module's static imports are evaluated before its first
// line, and loading them can take seconds): a signal (Ctrl-C, a cron job's timeout) stops the
// command with a line instead of a silent 130/143. It exits 1: the command did not finish
// (PostgreSQL keeps what it committed, rolls back the rest). The commands are in cli.ts.
import { loadEnvFileIfPresent } from '@points-engine/runtime/env-file';

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`${signal}: stopped before the command finished\n`);
    process.exit(1);
  });
}
// The working directory's .env, before the config is parsed; variables already set win.
loadEnvFileIfPresent();

const { runCli } = await import('./cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
