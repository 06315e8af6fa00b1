// Pure: the log format decision and the pretty rendering, into a string (no services, no terminal).
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { compactRequestRecord, prettyDestination, REDACTED_PATHS, resolveLogFormat, type LogFormatSetting } from '@points-engine/logger';

describe('resolveLogFormat', () => {
  it.each<[LogFormatSetting, boolean, 'pretty' | 'json']>([
    ['auto', true, 'pretty'],
    ['auto', false, 'json'],
    ['pretty', false, 'pretty'],
    ['pretty', true, 'pretty'],
    ['json', true, 'json'],
    ['json', false, 'json'],
  ])('LOG_FORMAT=%s with stdout a terminal: %s → %s', (setting, tty, expected) => {
    expect(resolveLogFormat(setting, tty)).toBe(expected);
  });
});

const requestRecord = {
  level: 30, time: 0, name: 'api', component: 'http',
  req: { method: 'POST', url: '/api/points/events', ip: '127.0.0.1', headers: { 'x-api-key': 'pe_secret', 'user-agent': 'curl/8' } },
  res: { statusCode: 202 }, ms: 3.14159, key_id: '0123456789ab', msg: 'request',
};

describe('compactRequestRecord', () => {
  it('makes a request record one message (method, path, status, ms, key) and drops the headers', () => {
    const compact = compactRequestRecord(requestRecord);
    expect(compact['msg']).toBe('POST /api/points/events 202 3.1 ms key 0123456789ab');
    expect(JSON.stringify(compact)).not.toMatch(/headers|user-agent|pe_secret|127\.0\.0\.1/);
    expect(compact).toMatchObject({ level: 30, name: 'api' });
  });

  it('names a Telegram caller and an aborted request', () => {
    const anonymous: Record<string, unknown> = { ...requestRecord, telegram_user_id: 42, aborted: true };
    delete anonymous['key_id'];
    expect(compactRequestRecord(anonymous)['msg']).toBe('POST /api/points/events 202 3.1 ms telegram user 42 (aborted by the client)');
  });

  it('leaves every other record as it is', () => {
    const other = { level: 30, msg: 'api listening', host: '0.0.0.0', port: 3000, req: 'not a request object' };
    expect(compactRequestRecord(other)).toBe(other);
  });
});

describe('prettyDestination', () => {
  function prettyLines(log: (logger: pino.Logger) => void): string {
    let written = '';
    const logger = pino({ name: 'api', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, prettyDestination(false, { write: (text) => (written += text) }));
    log(logger);
    return written;
  }

  it('writes a human line per record, with the level, the process name and the message, not JSON', () => {
    const text = prettyLines((logger) => logger.info({ port: 3000 }, 'api listening'));
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(api\): api listening \{"port":3000\}\n$/);
  });

  it('writes a request as one short line without headers', () => {
    const text = prettyLines((logger) => logger.child({ component: 'http' }).info({ req: requestRecord.req, res: requestRecord.res, ms: 12.25, key_id: 'abcdefabcdef' }, 'request'));
    expect(text).toMatch(/INFO \(api\): POST \/api\/points\/events 202 12\.3 ms key abcdefabcdef\n$/);
    expect(text).not.toMatch(/x-api-key|user-agent|pe_secret|headers/);
    expect(text.split('\n')).toHaveLength(2);
  });
});
