// Signal handlers come first, before the rest of the process is even loaded: a module's static
// imports are evaluated before its first line, and loading them can take seconds on a busy machine
// (a SIGTERM meanwhile killed the process with no output). The process itself is in scheduler.process.ts.
import { loadEnvFileIfPresent } from '@points-engine/runtime/env-file';
import { handleSignals } from '@points-engine/runtime/signals';

const signals = handleSignals('scheduler');
// The working directory's .env, before the config is parsed; variables already set win.
loadEnvFileIfPresent();
const { runScheduler } = await import('./scheduler.process.ts');
await runScheduler(signals);
