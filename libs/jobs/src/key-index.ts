import type { Redis } from 'ioredis';

/**
 * The index of partition `n`: a Redis hash from idempotency key to the batch job that carries it
 * (`{jobId} {acceptedAtMs}`). Beside the queue's own keys (`{prefix}:events-n:…`), never among them.
 */
export const keyIndexKey = (prefix: string, partition: number): string => `${prefix}:key-index:${partition}`;

export interface IndexEntry {
  idempotencyKey: string;
  jobId: string;
  /** When the producer wrote the entry (epoch ms), just before it added the job. */
  acceptedAt: number;
}

const encode = (jobId: string, at: number) => `${jobId} ${at}`;
function decode(idempotencyKey: string, value: string): IndexEntry {
  const space = value.lastIndexOf(' ');
  return { idempotencyKey, jobId: value.slice(0, space), acceptedAt: Number(value.slice(space + 1)) };
}

/**
 * Where an event sent inside a batch job (an array, `sendMany`, the events `earn()` gathers) is:
 * a single event's job id is derived from its key, a batch's from all of its keys, so without
 * this index a key in a batch could not be found. Written by the producer before the job is added
 * (so no accepted batch is missing from it), removed by the worker when the batch completes (the
 * ledger then answers for its keys), and swept of entries the ledger has or older than a failed
 * job lives. One hash per partition: one HSET per batch, one HDEL per completed batch.
 */
export class KeyIndex {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Records that these keys travel in `jobId`. */
  async record(partition: number, keys: readonly string[], jobId: string, now = Date.now()): Promise<void> {
    if (keys.length === 0) return;
    const value = encode(jobId, now);
    await this.redis.hset(keyIndexKey(this.prefix, partition), Object.fromEntries(keys.map((key) => [key, value])));
  }

  async find(partition: number, key: string): Promise<IndexEntry | undefined> {
    const value = await this.redis.hget(keyIndexKey(this.prefix, partition), key);
    return value === null ? undefined : decode(key, value);
  }

  /** The batch job ids these keys travel in, for the keys the index holds. */
  async jobIdsOf(partition: number, keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const values = await this.redis.hmget(keyIndexKey(this.prefix, partition), ...keys);
    const found = new Map<string, string>();
    keys.forEach((key, i) => {
      const value = values[i];
      if (typeof value === 'string') found.set(key, decode(key, value).jobId);
    });
    return found;
  }

  async remove(partition: number, keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.redis.hdel(keyIndexKey(this.prefix, partition), ...keys);
  }

  /** Every entry of a partition, a page at a time (HSCAN: entries added meanwhile may or may not be seen). */
  async *scan(partition: number, count = 1_000): AsyncGenerator<IndexEntry[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(keyIndexKey(this.prefix, partition), cursor, 'COUNT', count);
      cursor = next;
      const page: IndexEntry[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) page.push(decode(flat[i] as string, flat[i + 1] as string));
      if (page.length > 0) yield page;
    } while (cursor !== '0');
  }
}
