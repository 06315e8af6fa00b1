import type { RequestHandler } from 'express';
import { REDACTED_PATHS, type Logger } from '@points-engine/logger';

/**
 * Headers that carry a credential or a signature. Redacted by this logger itself (not only by the
 * process logger's options), so the request line is safe whatever logger the app is given.
 */
export const REQUEST_LOG_REDACTED_PATHS = [
  ...REDACTED_PATHS,
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-telegram-init-data"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers["x-nowpayments-sig"]',
  'req.headers["x-signature"]',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
];

/** One line per request once it is answered (or abandoned): method, path, status, time, caller. */
export function requestLog(logger: Logger): RequestHandler {
  const log = logger.child({ component: 'http' }, { redact: { paths: [...new Set(REQUEST_LOG_REDACTED_PATHS)], censor: '[redacted]' } });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const principal = req.principal;
      const line = {
        req: { method: req.method, url: req.originalUrl, ip: req.ip, headers: req.headers },
        res: { statusCode: res.statusCode },
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        ...(res.writableFinished ? {} : { aborted: true }),
        ...(principal?.kind === 'key' ? { key_id: principal.key.id } : {}),
        ...(principal?.kind === 'telegram' ? { telegram_user_id: principal.userId } : {}),
      };
      if (res.statusCode >= 500) log.error(line, 'request');
      else log.info(line, 'request');
    });
    next();
  };
}
