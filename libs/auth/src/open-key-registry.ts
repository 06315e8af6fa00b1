import type { Executor } from '@points-engine/db';
import { ApiKeyRegistry } from './api-key-registry.ts';
import { loadApiKeys, touchApiKeys } from './api-keys.ts';
import { KeyChangeListener } from './key-change-listener.ts';

export interface OpenKeyRegistryOptions {
  /** The database URL, for the listener's own session. */
  url: string;
  refreshMs?: number;
  usageFlushMs?: number;
  now?: () => number;
  onError?: (error: unknown, what: 'reload' | 'usage' | 'listen') => void;
}

export interface OpenedKeyRegistry {
  registry: ApiKeyRegistry;
  /** True while the listener's LISTEN is in place. */
  listening(): boolean;
  close(): Promise<void>;
}

/**
 * The registry of a database's keys, kept current: LISTEN on the keys' channel (each notification
 * and each reconnect re-reads them) plus the periodic re-read. Throws if the keys cannot be read.
 */
export async function openApiKeyRegistry(db: Executor, options: OpenKeyRegistryOptions): Promise<OpenedKeyRegistry> {
  const registry = new ApiKeyRegistry({
    load: () => loadApiKeys(db),
    touch: (ids, at) => touchApiKeys(db, ids, at),
    ...(options.refreshMs !== undefined ? { refreshMs: options.refreshMs } : {}),
    ...(options.usageFlushMs !== undefined ? { usageFlushMs: options.usageFlushMs } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const listener = new KeyChangeListener({
    url: options.url,
    onChange: () => void registry.reload(),
    onListening: () => void registry.reload(),
    onError: (error) => options.onError?.(error, 'listen'),
  });
  // Listening first: a key changed between the first read and the LISTEN would otherwise go unseen.
  await listener.start();
  try {
    await registry.start();
  } catch (error) {
    await listener.close();
    throw error;
  }
  return {
    registry,
    listening: () => listener.listening,
    close: async () => {
      await listener.close();
      await registry.close();
    },
  };
}
