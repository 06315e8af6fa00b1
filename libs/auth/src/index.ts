export * from './api-keys.ts';
export * from './telegram-init-data.ts';
export * from './webhook-signatures.ts';
export * from './rate-limit.ts';
