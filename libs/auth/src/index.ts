export * from './scopes.ts';
export * from './api-keys.ts';
export * from './api-key-registry.ts';
export * from './key-change-listener.ts';
export * from './telegram-init-data.ts';
export * from './webhook-signatures.ts';
export * from './rate-limit.ts';
export * from './open-key-registry.ts';
