export { startScheduler, type RunningScheduler } from './start-scheduler.ts';
export { createMaintenanceProcessor } from './maintenance.processor.ts';
