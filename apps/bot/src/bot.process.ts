import { loadProgram } from '@points-engine/config';
import { createLogger } from '@points-engine/logger';
import type { Signals } from '@points-engine/runtime/signals';
import { BotConfigError, loadBotConfig } from './bot.env.ts';
import { startPointsBot } from './start-bot.ts';

/** The bot process: its config (exits 1 naming every bad variable), the program, the bot; closers to the signal handlers. */
export async function runBot(signals: Signals): Promise<void> {
  let config;
  try {
    config = loadBotConfig(process.env);
  } catch (error) {
    if (!(error instanceof BotConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'bot' });
  signals.useLogger(logger);
  const program = loadProgram(config.PROGRAM_FILE);
  const bot = await startPointsBot(config, { program, logger });
  signals.ready(logger, [() => bot.close()], config.SHUTDOWN_TIMEOUT_MS);
}
