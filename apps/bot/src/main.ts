// Signal handlers come first, before the rest of the process is even loaded (as in every other
// entry point): a SIGTERM while grammY and the clients load exits cleanly. The process is bot.process.ts.
import { handleSignals } from '@points-engine/runtime/signals';

const signals = handleSignals('bot');
const { runBot } = await import('./bot.process.ts');
await runBot(signals);
