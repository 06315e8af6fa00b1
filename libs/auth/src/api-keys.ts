import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Executor } from '@pe/db';

export const SCOPES = ['producer', 'reader', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyIdentity {
  id: string;
  name: string;
  scopes: Scope[];
}

const KEY_PATTERN = /^pe_([a-f0-9]{12})\.([A-Za-z0-9_-]{43})$/;
const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/** Creates a key; the full key is returned once and only its hash is stored. */
export async function createApiKey(db: Executor, name: string, scopes: Scope[]): Promise<{ id: string; key: string }> {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await db
    .insertInto('api_keys')
    .values({ id, name, scopes, secret_hash: hashSecret(secret).toString('hex') })
    .execute();
  return { id, key: `pe_${id}.${secret}` };
}

/** Revokes a key by id; false if there is no such live key. */
export async function revokeApiKey(db: Executor, id: string): Promise<boolean> {
  const result = await db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listApiKeys(db: Executor) {
  return db.selectFrom('api_keys').select(['id', 'name', 'scopes', 'created_at', 'revoked_at', 'last_used_at']).orderBy('created_at').execute();
}

/**
 * Checks a presented key in constant time against the stored hash. Verified keys are cached for
 * `cacheMs` (so a revocation takes at most that long to bite) to keep reads off the database.
 */
export class ApiKeyVerifier {
  private readonly cache = new Map<string, { identity: ApiKeyIdentity | null; until: number }>();

  constructor(
    private readonly db: Executor,
    private readonly cacheMs = 30_000,
  ) {}

  async verify(presented: string): Promise<ApiKeyIdentity | null> {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return null;
    const cacheKey = hashSecret(presented).toString('hex');
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.identity;
    const [, id, secret] = match as unknown as [string, string, string];
    const row = await this.db
      .selectFrom('api_keys')
      .select(['id', 'name', 'scopes', 'secret_hash'])
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const expected = row ? Buffer.from(row.secret_hash, 'hex') : hashSecret('no such key');
    const valid = timingSafeEqual(expected, hashSecret(secret)) && row !== undefined;
    const identity = valid ? { id: row.id, name: row.name, scopes: row.scopes as Scope[] } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { identity, until: Date.now() + this.cacheMs });
    if (identity) void this.db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', id).execute().catch(() => undefined);
    return identity;
  }
}

/** Admin covers every scope. */
export const hasScope = (identity: ApiKeyIdentity, scope: Scope): boolean => identity.scopes.includes('admin') || identity.scopes.includes(scope);
