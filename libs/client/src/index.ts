export { PointsClient, type PointsClientOptions, type SpendOutcome } from './points-client.ts';
export { EventValidationError, OutcomeTimeoutError } from './errors.ts';
export { onBotEvent, type BotEvent, type BotEventHandler, type BotEventConsumerOptions, type BotEventSubscription } from './bot-events.ts';
