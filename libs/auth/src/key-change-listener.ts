import pg from 'pg';

/** The channel 0006-api-keys's trigger notifies when a key is created, changed, revoked or deleted. */
export const API_KEYS_CHANNEL = 'points_engine_api_keys';

export interface KeyChangeListenerOptions {
  url: string;
  /** A key changed (created, revoked, …). */
  onChange: () => void;
  /** LISTEN is in place (at start and after every reconnect): changes may have been missed meanwhile. */
  onListening: () => void;
  onError?: (error: unknown) => void;
  applicationName?: string;
  /** Reconnect backoff: from `minDelayMs`, doubling up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * A dedicated PostgreSQL session that LISTENs on API_KEYS_CHANNEL and reconnects (with backoff)
 * whenever it drops. A pooled connection cannot LISTEN: the pool hands it to others.
 */
export class KeyChangeListener {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private delay: number;

  constructor(private readonly options: KeyChangeListenerOptions) {
    this.delay = options.minDelayMs ?? 250;
  }

  /** Connects and listens; resolves true once listening, false if the first attempt failed (it keeps retrying). */
  async start(): Promise<boolean> {
    return this.connect();
  }

  /** Whether the LISTEN is in place right now. */
  get listening(): boolean {
    return this.client !== null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<boolean> {
    if (this.closed) return false;
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: this.options.applicationName ?? 'points-engine-api-keys',
      // A connect that hangs (a host gone without a reset) must not hold up the start or the retries;
      // keep-alive lets the OS notice a dead peer on an idle LISTEN session (the periodic re-read covers the gap).
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    let dropped = false;
    const drop = (error?: unknown) => {
      if (dropped) return;
      dropped = true;
      if (error) this.options.onError?.(error);
      if (this.client === client) this.client = null;
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', drop);
    client.on('end', () => drop());
    client.on('notification', (message) => {
      if (message.channel === API_KEYS_CHANNEL) this.options.onChange();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${API_KEYS_CHANNEL}`);
    } catch (error) {
      drop(error);
      return false;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return false;
    }
    this.client = client;
    this.delay = this.options.minDelayMs ?? 250;
    this.options.onListening();
    return true;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    const delay = this.delay;
    this.delay = Math.min(delay * 2, this.options.maxDelayMs ?? 5_000);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
    this.timer.unref();
  }
}
