export { PointsClient, type PointsClientOptions } from './points-client.ts';
export type { AppliedOutcome, RejectedOutcome, SpendOutcome } from './outcome.ts';
export { EventValidationError, IdempotencyConflictError, OutcomeTimeoutError } from './errors.ts';
export {
  onBotEvent,
  type BotEvent,
  type BotEventConsumerOptions,
  type BotEventHandler,
  type BotEventPayload,
  type BotEventSubscription,
  type BotEventType,
  type KnownBotEvent,
  type UnknownBotEvent,
} from './bot-events.ts';
export type { ClientLogger } from './client-logger.ts';
// The event types a producer builds, so a bot needs no other package for its types.
export type { EventKind, LimitReason, PointsEventInput, RejectReason } from '@points-engine/domain';
