export { createApp } from './app.ts';
export { startApi, type RunningApi } from './start-api.ts';
export type { ApiDeps } from './deps.ts';
