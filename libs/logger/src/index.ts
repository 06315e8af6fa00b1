import { pino, type Logger, type LoggerOptions } from 'pino';
import type { LogFormat } from './log-format.ts';
import { prettyDestination } from './pretty.ts';

export type { Logger };
export { LOG_FORMATS, resolveLogFormat, type LogFormat, type LogFormatSetting } from './log-format.ts';
export { compactRequestRecord, prettyDestination } from './pretty.ts';

/** Paths that may carry secrets; pino replaces them before a line is written. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-telegram-init-data"]',
  'req.headers["x-nowpayments-sig"]',
  'req.headers["x-signature"]',
  'headers.authorization',
  'apiKey',
  'secret',
  'token',
  'password',
  '*.apiKey',
  '*.secret',
  '*.token',
  '*.password',
];

/**
 * Creates the process logger, secrets redacted: JSON lines to stdout, or with `format: 'pretty'`
 * human lines (colours when stdout is a terminal). JSON is the default: a process picks its format
 * with resolveLogFormat.
 */
export function createLogger(options: { level: string; name?: string; format?: LogFormat } & LoggerOptions): Logger {
  const { format = 'json', ...rest } = options;
  const settings: LoggerOptions = { ...rest, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return format === 'pretty' ? pino(settings, prettyDestination(process.stdout.isTTY === true)) : pino(settings);
}
