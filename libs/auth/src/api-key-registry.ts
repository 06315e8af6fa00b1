import { EventEmitter } from 'node:events';
import { timingSafeEqual } from 'node:crypto';
import { hashSecret, parseApiKey, type StoredApiKey } from './api-keys.ts';
import type { ApiKeyIdentity } from './scopes.ts';

/** What the API asks of its keys: the identity a presented key proves, or null. Synchronous: no I/O per request. */
export interface KeyVerifier {
  verify(presented: string): ApiKeyIdentity | null;
}

export interface ApiKeyRegistryOptions {
  /** Reads every live key (loadApiKeys over the database). */
  load: () => Promise<StoredApiKey[]>;
  /** Writes last_used_at for a batch of key ids (touchApiKeys). */
  touch?: (ids: string[], at: Date) => Promise<void>;
  /** Re-read every key this often even without a notification (the fallback; 0: never). */
  refreshMs?: number;
  /** How often the ids used since the last write are written to last_used_at. */
  usageFlushMs?: number;
  now?: () => number;
  onError?: (error: unknown, what: 'reload' | 'usage') => void;
}

interface Entry {
  identity: ApiKeyIdentity;
  secretHash: Buffer;
  expiresAt: number | null;
}

// Compared against when the id is unknown, so both answers cost one hash and one comparison.
const NO_KEY = hashSecret('no such key');

/**
 * Every live API key of the database, in this process's memory: a presented key is checked
 * without a query (an unknown id costs nothing but a hash), and keeps being served while
 * PostgreSQL is unreachable. The set is re-read when a key changes (`reload()`: the API wires it
 * to a LISTEN on the keys' channel, and to every reconnect of that listener), and every
 * `refreshMs` as a fallback. Emits `reloaded` (with the number of keys) after each read.
 */
export class ApiKeyRegistry extends EventEmitter implements KeyVerifier {
  private keys = new Map<string, Entry>();
  private readonly used = new Set<string>();
  private requested = 0;
  private completed = 0;
  private loading: Promise<void> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private loadedOnce = false;
  private lastError: unknown = null;

  constructor(private readonly options: ApiKeyRegistryOptions) {
    super();
  }

  /** Reads the keys (a failure throws: a process must not start without them) and starts the timers. */
  async start(): Promise<void> {
    await this.reload();
    if (!this.loadedOnce) throw this.lastError instanceof Error ? this.lastError : new Error('the API keys could not be read');
    const every = (ms: number | undefined, work: () => Promise<void>) => {
      if (!ms) return;
      const timer = setInterval(() => void work(), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.refreshMs ?? 60_000, () => this.reload());
    every(this.options.usageFlushMs ?? 10_000, () => this.flushUsage());
  }

  verify(presented: string): ApiKeyIdentity | null {
    const parsed = parseApiKey(presented);
    if (!parsed) return null;
    const entry = this.keys.get(parsed.id);
    const matches = timingSafeEqual(entry?.secretHash ?? NO_KEY, hashSecret(parsed.secret));
    if (!entry || !matches) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= (this.options.now ?? Date.now)()) return null;
    this.used.add(entry.identity.id);
    return entry.identity;
  }

  /** Whether a key id is live here (neither revoked nor unknown as of the last read). */
  has(id: string): boolean {
    return this.keys.has(id);
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * Re-reads the keys; resolves once a read that started after this call has finished (calls
   * while one runs share the next read). A failed read keeps the keys it had and is reported
   * through `onError`; the next trigger tries again.
   */
  reload(): Promise<void> {
    this.requested++;
    this.loading ??= this.drain().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** Writes the pending last_used_at batch now. */
  async flushUsage(): Promise<void> {
    if (!this.options.touch || this.used.size === 0) return;
    const ids = [...this.used];
    this.used.clear();
    try {
      await this.options.touch(ids, new Date((this.options.now ?? Date.now)()));
    } catch (error) {
      for (const id of ids) this.used.add(id);
      this.options.onError?.(error, 'usage');
    }
  }

  /** Stops the timers and writes the last usage batch. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.loading?.catch(() => undefined);
    await this.flushUsage();
  }

  private async drain(): Promise<void> {
    while (this.completed < this.requested) {
      const target = this.requested;
      try {
        await this.loadNow();
      } catch (error) {
        this.lastError = error;
        this.options.onError?.(error, 'reload');
        return;
      }
      this.completed = target;
    }
  }

  private async loadNow(): Promise<void> {
    const rows = await this.options.load();
    const next = new Map<string, Entry>();
    for (const row of rows) {
      // A hash of the wrong length can match nothing (and timingSafeEqual would throw on it).
      if (row.secretHash.length !== NO_KEY.length) continue;
      next.set(row.id, { identity: { id: row.id, name: row.name, scopes: row.scopes }, secretHash: row.secretHash, expiresAt: row.expiresAt?.getTime() ?? null });
    }
    this.keys = next;
    this.loadedOnce = true;
    this.emit('reloaded', next.size);
  }
}
