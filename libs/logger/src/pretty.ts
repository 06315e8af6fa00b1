import { createRequire } from 'node:module';
import { pino, type DestinationStream } from 'pino';

type LogRecord = Record<string, unknown>;
// What the request-log middleware writes besides the usual fields; the compact message says it all.
const REQUEST_FIELDS = new Set(['req', 'res', 'ms', 'key_id', 'telegram_user_id', 'aborted', 'component']);
const isRecord = (value: unknown): value is LogRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A request line (apps/api's request-log middleware: `req`, `res`, `ms`, the caller) as one short
 * human message: `GET /api/points/balance?user_id=42 200 1.2 ms key 0123456789ab`. The JSON format
 * keeps the whole record (headers redacted); a terminal needs no headers. Other records pass as they are.
 */
export function compactRequestRecord(record: LogRecord): LogRecord {
  const { req, res } = record;
  if (!isRecord(req) || !isRecord(res) || typeof req['method'] !== 'string') return record;
  const { ms, key_id, telegram_user_id, aborted } = record;
  const rest = Object.fromEntries(Object.entries(record).filter(([field]) => !REQUEST_FIELDS.has(field)));
  const parts = [req['method'], String(req['url'] ?? ''), String(res['statusCode'] ?? '')];
  if (typeof ms === 'number') parts.push(`${ms.toFixed(1)} ms`);
  if (key_id !== undefined) parts.push(`key ${String(key_id)}`);
  if (telegram_user_id !== undefined) parts.push(`telegram user ${String(telegram_user_id)}`);
  if (aborted) parts.push('(aborted by the client)');
  return { ...rest, msg: parts.join(' ') };
}

interface PinoPretty {
  prettyFactory(options: Record<string, unknown>): (record: LogRecord) => string;
  isColorSupported: boolean;
}

/**
 * Where a pretty logger writes: each JSON line pino produces (already redacted) is compacted and
 * rendered by pino-pretty in this thread, then written synchronously to stdout (`out`), so nothing is
 * lost when the process exits right after a line. pino-pretty is loaded only here: a JSON process
 * never pays for it.
 */
export function prettyDestination(colorize: boolean, out: { write(text: string): unknown } = pino.destination({ dest: 1, sync: true })): DestinationStream {
  const { prettyFactory, isColorSupported } = createRequire(import.meta.url)('pino-pretty') as PinoPretty;
  const render = prettyFactory({
    colorize: colorize && isColorSupported,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
  return {
    write(line: string) {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        out.write(line);
        return;
      }
      out.write(isRecord(record) ? render(compactRequestRecord(record)) : line);
    },
  };
}
