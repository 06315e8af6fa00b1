import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

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

/** Creates the process logger; JSON lines to stdout, secrets redacted. */
export function createLogger(options: { level: string; name?: string } & LoggerOptions): Logger {
  return pino({
    ...options,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  });
}
