export { boot, type Booted } from './boot.ts';
export { handleSignals, type Signals } from './signals.ts';
export { createClock } from './clock.ts';
export { ENGINE_NODE_FLAGS, SOURCE_NODE_FLAGS } from './node-flags.ts';
export { OutageGate, type OutageGateOptions, type Pausable } from './outage-gate.ts';
export { setAsideWhileUnavailable } from './set-aside.ts';
export { acceptedSources, UNAPPLIED_AFTER_SECONDS } from './accepted-sources.ts';
export { healthServerIfConfigured, startHealthServer, type HealthServer } from './health-server.ts';
