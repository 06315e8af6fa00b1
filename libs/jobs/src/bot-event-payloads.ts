import { z } from 'zod';
import type { Notice } from '@points-engine/domain';
import { BOT_EVENT_TYPES, type BotEventEnvelope } from './registry.ts';

/**
 * The payload of each bot-event type, as the ledger writes it to the outbox: a domain Notice
 * (without `type` and `userId`, which the envelope carries) plus the `idempotency_key` of the event
 * that caused it; `points_expiring` comes from the day-boundary run's SQL. Amounts are JSON
 * numbers (safe integers). Unknown fields are dropped on parse, so a newer engine may add fields.
 */
export const botEventPayloadSchemas = {
  level_up: z.object({ from: z.number().int(), to: z.number().int(), idempotency_key: z.string() }),
  streak_milestone: z.object({ streak: z.number().int(), bonus: z.number().int(), idempotency_key: z.string() }),
  purchase_applied: z.object({
    /** The product's type: `credit_pack`, `credit` or `subscription`. */
    product: z.string(),
    credit: z.number().int(),
    bonus: z.number().int(),
    tier: z.string().nullable(),
    idempotency_key: z.string(),
  }),
  hold_lapsed: z.object({ holdKey: z.string(), released: z.number().int(), idempotency_key: z.string() }),
  /** `expires_on`: the program day (YYYY-MM-DD) the points expire; `amount`: how many. */
  points_expiring: z.object({ expires_on: z.iso.date(), amount: z.number().int() }),
} as const satisfies Record<(typeof BOT_EVENT_TYPES)[number], z.ZodType>;

export type BotEventType = keyof typeof botEventPayloadSchemas;
export type BotEventPayload<T extends BotEventType> = z.output<(typeof botEventPayloadSchemas)[T]>;

/** An event of a type this version knows, its payload typed. */
export type KnownBotEvent = { [T in BotEventType]: Omit<BotEventEnvelope, 'type' | 'payload'> & { type: T; payload: BotEventPayload<T> } }[BotEventType];

/**
 * An event of a type this version does not know (a newer engine): its real type is `unknown_type`
 * and its payload is untyped. It is not `{ type: string }`: a member whose `type` is any string
 * stops TypeScript narrowing every other member by `type`.
 */
export type UnknownBotEvent = Omit<BotEventEnvelope, 'type'> & { type: 'unknown'; unknown_type: string };

/** What a bot receives: a discriminated union by `type`. */
export type BotEvent = KnownBotEvent | UnknownBotEvent;

export type BotEventParse = { ok: true; event: BotEvent } | { ok: false; error: string };

const isKnownType = (type: string): type is BotEventType => Object.hasOwn(botEventPayloadSchemas, type);

/**
 * Types a delivered envelope: a known type's payload parsed by its schema (a payload that does not
 * match is an error, never passed on under a type it does not fit), any other type as UnknownBotEvent.
 */
export function parseBotEvent(envelope: BotEventEnvelope): BotEventParse {
  const { type, payload, ...rest } = envelope;
  if (!isKnownType(type)) return { ok: true, event: { ...rest, type: 'unknown', unknown_type: type, payload } };
  const parsed = botEventPayloadSchemas[type].safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `invalid ${type} payload: ${issue ? `${issue.path.join('.') || '(payload)'}: ${issue.message}` : 'invalid'}` };
  }
  return { ok: true, event: { ...rest, type, payload: parsed.data } as KnownBotEvent };
}

/**
 * What the ledger writes for a domain Notice must parse as what the client reads: a field renamed
 * or retyped in Notice without the schema above is a type error here.
 */
type WrittenPayload<T extends Notice['type']> = Omit<Extract<Notice, { type: T }>, 'type' | 'userId'> & { idempotency_key: string };
type NoticeFitsSchema = { [T in Notice['type']]: WrittenPayload<T> extends z.input<(typeof botEventPayloadSchemas)[T]> ? true : false };
const noticesFit: NoticeFitsSchema = { level_up: true, streak_milestone: true, purchase_applied: true, hold_lapsed: true };
void noticesFit;
