export * from './registry.ts';
export { partitionOf } from './partition.ts';
export { createRedis } from './redis.ts';
export { KeyIndex, keyIndexKey, type IndexEntry } from './key-index.ts';
export { assessRedisDurability, readRedisDurability, readRedisPersistence, type RedisDurability, type RedisPersistence } from './redis-durability.ts';
export { queuedEventsSource, type HeldEvent } from './queued-events.source.ts';
export {
  botEventPayloadSchemas,
  parseBotEvent,
  type BotEvent,
  type BotEventParse,
  type BotEventPayload,
  type BotEventType,
  type KnownBotEvent,
  type UnknownBotEvent,
} from './bot-event-payloads.ts';
