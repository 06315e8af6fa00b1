export { boot, type Booted } from './boot.ts';
export { onShutdown } from './shutdown.ts';
export { createClock } from './clock.ts';
export { ENGINE_NODE_FLAGS } from './node-flags.ts';
