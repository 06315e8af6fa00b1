export * from './api-keys.ts';
export * from './telegram-init-data.ts';
