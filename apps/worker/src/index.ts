export { startWorker, type RunningWorker } from './start-worker.ts';
export { createEventsProcessor, parseEventJob, type EventJobResult } from './events.processor.ts';
