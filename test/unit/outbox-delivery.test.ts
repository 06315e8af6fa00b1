// Pure: the relay's schedule, the bot-event mapping and the callback signature have no I/O; no services.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { botEventSchema } from '@points-engine/jobs';
import { nextPassDelay, signBody, toBotEvent, verifySignature } from '@points-engine/outbox';

describe('nextPassDelay', () => {
  const timing = { batchSize: 100, pollMs: 1_000, maxBackoffMs: 30_000 };
  it('drains without waiting after a full batch, waits the poll interval when idle', () => {
    expect(nextPassDelay({ delivered: 100, failures: 0 }, timing)).toBe(0);
    expect(nextPassDelay({ delivered: 99, failures: 0 }, timing)).toBe(1_000);
    expect(nextPassDelay({ delivered: 0, failures: 0 }, timing)).toBe(1_000);
  });
  it('backs off exponentially after failures, capped', () => {
    expect([1, 2, 3, 4, 5, 6, 60].map((failures) => nextPassDelay({ delivered: 0, failures }, timing))).toEqual([
      2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });
});

describe('toBotEvent', () => {
  it('carries the row as the bot-events payload, which the registry schema accepts', () => {
    const event = toBotEvent({
      id: '7',
      event_id: '0b7f8c1e-2a0d-4c3e-9f57-1a2b3c4d5e6f',
      type: 'level_up',
      user_id: 'u1',
      payload: { type: 'level_up', userId: 'u1', from: 1, to: 2 },
      created_at: new Date('2025-03-01T10:00:00.000Z'),
    });
    expect(event).toEqual({
      event_id: '0b7f8c1e-2a0d-4c3e-9f57-1a2b3c4d5e6f',
      type: 'level_up',
      user_id: 'u1',
      payload: { type: 'level_up', userId: 'u1', from: 1, to: 2 },
      created_at: '2025-03-01T10:00:00.000Z',
    });
    expect(botEventSchema.parse(event)).toEqual(event);
  });
});

describe('callback signature', () => {
  const secret = 'a-callback-secret-of-some-length';
  const body = '{"event_id":"e1","type":"level_up"}';
  it('is sha256=<hex HMAC-SHA256 of the raw body>', () => {
    expect(signBody(body, secret)).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  });
  it('verifies only the exact body with the same secret', () => {
    const header = signBody(body, secret);
    expect(verifySignature(body, secret, header)).toBe(true);
    expect(verifySignature(Buffer.from(body), secret, header)).toBe(true);
    expect(verifySignature(`${body} `, secret, header)).toBe(false);
    expect(verifySignature(body, `${secret}x`, header)).toBe(false);
    expect(verifySignature(body, secret, header.replace('sha256=', 'sha1='))).toBe(false);
    expect(verifySignature(body, secret, undefined)).toBe(false);
    expect(verifySignature(body, secret, 'sha256=00')).toBe(false);
  });
});
