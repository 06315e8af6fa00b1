export * from './registry.ts';
export { partitionOf } from './partition.ts';
export { createRedis } from './redis.ts';
