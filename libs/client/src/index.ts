export { PointsClient, type PointsClientOptions, type SpendOutcome } from './points-client.ts';
export { EventValidationError, IdempotencyConflictError, OutcomeTimeoutError } from './errors.ts';
export { onBotEvent, type BotEvent, type BotEventHandler, type BotEventConsumerOptions, type BotEventSubscription } from './bot-events.ts';
export type { ClientLogger } from './client-logger.ts';
