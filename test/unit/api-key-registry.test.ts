// Pure: the in-memory key registry with an injected loader standing in for the database (no services).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiKeyRegistry, hashSecret, type Scope, type StoredApiKey } from '@points-engine/auth';

function makeKey(name: string, scopes: Scope[], expiresAt: Date | null = null): { key: string; stored: StoredApiKey } {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `pe_${id}.${secret}`, stored: { id, name, scopes, secretHash: hashSecret(secret), expiresAt } };
}

/** A registry over a mutable "table", counting every read of it. */
function registryOver(table: StoredApiKey[], options: { now?: () => number; failing?: () => boolean } = {}) {
  const calls = { load: 0, touched: [] as string[][] };
  const errors: string[] = [];
  const registry = new ApiKeyRegistry({
    load: async () => {
      calls.load++;
      if (options.failing?.()) throw new Error('connect ECONNREFUSED');
      return table.map((row) => ({ ...row }));
    },
    touch: async (ids) => {
      if (options.failing?.()) throw new Error('connect ECONNREFUSED');
      calls.touched.push([...ids].sort());
    },
    refreshMs: 0,
    usageFlushMs: 0,
    ...(options.now ? { now: options.now } : {}),
    onError: (_error, what) => errors.push(what),
  });
  return { registry, calls, errors };
}

describe('ApiKeyRegistry (issue 10 item 9, issue 11 item 4)', () => {
  it('verifies a live key from memory and refuses a wrong secret, a malformed key and an unknown id without reading the keys again', async () => {
    const producer = makeKey('bot', ['producer']);
    const { registry, calls } = registryOver([producer.stored]);
    await registry.start();
    expect(calls.load).toBe(1);
    expect(registry.verify(producer.key)).toEqual({ id: producer.stored.id, name: 'bot', scopes: ['producer'] });
    const wrongSecret = `${producer.key.slice(0, 16)}${'A'.repeat(43)}`;
    const unknown = makeKey('nobody', ['admin']).key;
    for (const presented of [wrongSecret, unknown, 'pe_000000000000.short', 'not-a-key', '']) expect(registry.verify(presented)).toBeNull();
    for (let i = 0; i < 100; i++) expect(registry.verify(makeKey('random', ['admin']).key)).toBeNull();
    expect(calls.load).toBe(1);
  });

  it('drops a revoked key on the next read, and resolves reload() only after a read that began after the call', async () => {
    const a = makeKey('a', ['admin']);
    const table = [a.stored];
    const { registry } = registryOver(table);
    await registry.start();
    expect(registry.verify(a.key)).not.toBeNull();
    table.splice(0, 1);
    await registry.reload();
    expect(registry.verify(a.key)).toBeNull();
    expect(registry.has(a.stored.id)).toBe(false);
  });

  it('shares one read among reloads asked for while one runs, and emits reloaded after each read', async () => {
    const { registry, calls } = registryOver([makeKey('a', ['reader']).stored]);
    await registry.start();
    const seen: number[] = [];
    registry.on('reloaded', (size: number) => seen.push(size));
    await Promise.all(Array.from({ length: 10 }, () => registry.reload()));
    // The first call starts a read; the nine others all wait for the one read after it.
    expect(calls.load).toBe(3);
    expect(seen).toEqual([1, 1]);
  });

  it('keeps serving the keys it has while the database cannot be read, and applies a revocation once it can', async () => {
    const a = makeKey('a', ['producer']);
    const table = [a.stored];
    let down = false;
    const { registry, errors } = registryOver(table, { failing: () => down });
    await registry.start();
    down = true;
    table.splice(0, 1);
    await registry.reload();
    expect(errors).toContain('reload');
    expect(registry.verify(a.key)).not.toBeNull();
    down = false;
    await registry.reload();
    expect(registry.verify(a.key)).toBeNull();
  });

  it('refuses to start without its keys', async () => {
    const { registry } = registryOver([], { failing: () => true });
    await expect(registry.start()).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses an expired key from the moment it expires', async () => {
    let now = Date.parse('2026-03-01T00:00:00Z');
    const temporary = makeKey('temp', ['producer'], new Date(now + 60_000));
    const { registry } = registryOver([temporary.stored], { now: () => now });
    await registry.start();
    expect(registry.verify(temporary.key)).not.toBeNull();
    now += 60_000;
    expect(registry.verify(temporary.key)).toBeNull();
  });

  it('writes last_used_at in batches: one write per flush for every key used since, kept for the next flush if it fails', async () => {
    const [a, b] = [makeKey('a', ['producer']), makeKey('b', ['reader'])];
    let down = false;
    const { registry, calls } = registryOver([a.stored, b.stored], { failing: () => down });
    await registry.start();
    for (let i = 0; i < 50; i++) registry.verify(i % 2 ? a.key : b.key);
    down = true;
    await registry.flushUsage();
    expect(calls.touched).toEqual([]);
    down = false;
    await registry.flushUsage();
    expect(calls.touched).toEqual([[a.stored.id, b.stored.id].sort()]);
    await registry.flushUsage();
    expect(calls.touched).toHaveLength(1);
  });
});
