// Signal handlers come first, before the rest of the process is even loaded (as in every other
// entry point): a SIGTERM while grammY and the clients load exits cleanly. The process is bot.process.ts.
import { loadEnvFileIfPresent } from '@points-engine/runtime/env-file';
import { handleSignals } from '@points-engine/runtime/signals';

const signals = handleSignals('bot');
// The working directory's .env, before the config is parsed; variables already set win.
loadEnvFileIfPresent();
const { runBot } = await import('./bot.process.ts');
await runBot(signals);
