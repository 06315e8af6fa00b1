// Pure: the typed bot-event schemas and parser (zod only); this file needs no services.
import { describe, expect, it } from 'vitest';
import type { BotEvent } from '@points-engine/client';
import type { Notice } from '@points-engine/domain';
import { BOT_EVENT_TYPES, botEventPayloadSchemas, parseBotEvent, type BotEventEnvelope } from '@points-engine/jobs';

const envelope = (type: string, payload: Record<string, unknown>): BotEventEnvelope => ({
  event_id: '0b7f8c1e-2a0d-4c3e-9f57-1a2b3c4d5e6f',
  type,
  user_id: 'u1',
  payload,
  created_at: '2025-03-01T10:00:00.000Z',
});

/** The outbox payload of a notice, as the batch writer stores it (the notice and the causing event's key). */
const written = (notice: Notice, key: string): Record<string, unknown> => ({ ...notice, idempotency_key: key });

describe('parseBotEvent', () => {
  it.each([
    [written({ type: 'level_up', userId: 'u1', from: 1, to: 2 }, 'k1'), { from: 1, to: 2, idempotency_key: 'k1' }],
    [written({ type: 'streak_milestone', userId: 'u1', streak: 7, bonus: 500 }, 'k2'), { streak: 7, bonus: 500, idempotency_key: 'k2' }],
    [
      written({ type: 'purchase_applied', userId: 'u1', product: 'subscription', credit: 0, bonus: 1500, tier: 'PREMIUM' }, 'stars:p1'),
      { product: 'subscription', credit: 0, bonus: 1500, tier: 'PREMIUM', idempotency_key: 'stars:p1' },
    ],
    [
      written({ type: 'purchase_applied', userId: 'u1', product: 'credit_pack', credit: 1000, bonus: 0, tier: null }, 'stars:p2'),
      { product: 'credit_pack', credit: 1000, bonus: 0, tier: null, idempotency_key: 'stars:p2' },
    ],
    [written({ type: 'hold_lapsed', userId: 'u1', holdKey: 'gen:1', released: 40 }, 'lapse:gen:1'), { holdKey: 'gen:1', released: 40, idempotency_key: 'lapse:gen:1' }],
    // The day-boundary run's SQL (jsonb_build_object): no idempotency key.
    [{ type: 'points_expiring', userId: 'u1', expires_on: '2025-03-08', amount: 120 }, { expires_on: '2025-03-08', amount: 120 }],
  ])('types a payload as the ledger writes it: %j', (payload, typed) => {
    const result = parseBotEvent(envelope(payload['type'] as string, payload));
    expect(result).toEqual({ ok: true, event: { ...envelope(payload['type'] as string, typed), type: payload['type'] } });
  });

  it('has a schema for every type the engine writes', () => {
    expect(Object.keys(botEventPayloadSchemas).sort()).toEqual([...BOT_EVENT_TYPES].sort());
  });

  it('passes a type it does not know on as `unknown`, with the real type and the payload untouched', () => {
    expect(parseBotEvent(envelope('badge_earned', { badge: 'gold', nested: { a: 1 } }))).toEqual({
      ok: true,
      event: { ...envelope('badge_earned', { badge: 'gold', nested: { a: 1 } }), type: 'unknown', unknown_type: 'badge_earned' },
    });
  });

  it('a type named like an Object.prototype member is not a known type', () => {
    expect(parseBotEvent(envelope('constructor', {}))).toMatchObject({ ok: true, event: { type: 'unknown', unknown_type: 'constructor' } });
  });

  it.each([
    ['level_up', { from: 1 }, /invalid level_up payload: to:/],
    ['level_up', { from: '1', to: 2, idempotency_key: 'k' }, /invalid level_up payload: from:/],
    ['streak_milestone', { streak: 1.5, bonus: 50, idempotency_key: 'k' }, /invalid streak_milestone payload: streak:/],
    ['points_expiring', { expires_on: 'soon', amount: 5 }, /invalid points_expiring payload: expires_on:/],
    ['purchase_applied', { product: 'credit', credit: 10, bonus: 0, idempotency_key: 'k' }, /invalid purchase_applied payload: tier:/],
  ])('refuses a %s payload that does not fit its type: %j', (type, payload, error) => {
    const result = parseBotEvent(envelope(type, payload));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(error);
  });
});

/**
 * How a bot handles events: `npm run typecheck` checks that narrowing by `type` reaches each
 * payload's fields (no casts), and the `never` below fails to compile if a type is left out.
 */
function describeEvent(event: BotEvent): string {
  switch (event.type) {
    case 'level_up':
      return `level ${event.payload.from} → ${event.payload.to}`;
    case 'streak_milestone':
      return `${event.payload.streak}-day streak, +${event.payload.bonus}`;
    case 'purchase_applied':
      return `${event.payload.product}: +${event.payload.credit} credit, tier ${event.payload.tier ?? 'none'}`;
    case 'hold_lapsed':
      return `hold ${event.payload.holdKey} released ${event.payload.released}`;
    case 'points_expiring':
      return `${event.payload.amount} expire on ${event.payload.expires_on}`;
    case 'unknown':
      return `unknown ${event.unknown_type}`;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

describe('BotEvent narrowing', () => {
  it('a switch on type reads each payload typed', () => {
    const events = [
      envelope('level_up', { from: 2, to: 3, idempotency_key: 'k' }),
      envelope('points_expiring', { expires_on: '2025-03-08', amount: 9 }),
      envelope('whatever_next', {}),
    ].map((e) => {
      const parsed = parseBotEvent(e);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.event;
    });
    expect(events.map(describeEvent)).toEqual(['level 2 → 3', '9 expire on 2025-03-08', 'unknown whatever_next']);
  });
});
