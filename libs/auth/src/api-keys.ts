import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '@points-engine/db';
import { SCOPES, type Scope } from './scopes.ts';

/** `pe_{id}.{secret}`: the id (12 hex) names the row, the secret (32 random bytes) proves the holder. */
const KEY_PATTERN = /^pe_([a-f0-9]{12})\.([A-Za-z0-9_-]{43})$/;

/** The SHA-256 of a key's secret, as stored. */
export const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/** The id and secret of a well-formed key, or null (nothing to look up). */
export function parseApiKey(presented: string): { id: string; secret: string } | null {
  const match = KEY_PATTERN.exec(presented);
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

const newSecret = (): string => randomBytes(32).toString('base64url');

/** Creates a key; the full key is returned once and only its hash is stored. */
export async function createApiKey(db: Executor, name: string, scopes: Scope[], options: { expiresAt?: Date } = {}): Promise<{ id: string; key: string }> {
  const id = randomBytes(6).toString('hex');
  const secret = newSecret();
  await db
    .insertInto('api_keys')
    .values({ id, name, scopes, secret_hash: hashSecret(secret).toString('hex'), expires_at: options.expiresAt ?? null })
    .execute();
  return { id, key: `pe_${id}.${secret}` };
}

/**
 * Gives a live key a new secret, keeping its id, name and scopes (and its expiry unless a new one
 * is given); null if there is no such live key. The old secret stops working at once in every API
 * process: the update notifies them (0006-api-keys's trigger) and each re-reads its keys.
 */
export async function rotateApiKey(db: Executor, id: string, options: { expiresAt?: Date } = {}): Promise<{ id: string; key: string } | null> {
  const secret = newSecret();
  const result = await db
    .updateTable('api_keys')
    .set({ secret_hash: hashSecret(secret).toString('hex'), ...(options.expiresAt ? { expires_at: options.expiresAt } : {}) })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n ? { id, key: `pe_${id}.${secret}` } : null;
}

/** Revokes a key by id; false if there is no such live key. Every API process drops it at once (0006-api-keys's trigger). */
export async function revokeApiKey(db: Executor, id: string): Promise<boolean> {
  const result = await db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Every key, revoked ones included, oldest first (`keys list`). */
export async function listApiKeys(db: Executor) {
  return db.selectFrom('api_keys').select(['id', 'name', 'scopes', 'created_at', 'revoked_at', 'expires_at', 'last_used_at']).orderBy('created_at').execute();
}

/** A live key as the registry holds it. */
export interface StoredApiKey {
  id: string;
  name: string;
  scopes: Scope[];
  secretHash: Buffer;
  expiresAt: Date | null;
}

/** Every key that is not revoked (expired ones included: expiry is checked per request). */
export async function loadApiKeys(db: Executor): Promise<StoredApiKey[]> {
  const rows = await db.selectFrom('api_keys').select(['id', 'name', 'scopes', 'secret_hash', 'expires_at']).where('revoked_at', 'is', null).execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    // A scope this version does not know grants nothing.
    scopes: row.scopes.filter((scope): scope is Scope => (SCOPES as readonly string[]).includes(scope)),
    secretHash: Buffer.from(row.secret_hash, 'hex'),
    expiresAt: row.expires_at,
  }));
}

/** Records that these keys were used (one statement for a whole batch of ids). */
export async function touchApiKeys(db: Executor, ids: readonly string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where((eb) => eb('id', '=', eb.fn.any(sql<string[]>`${[...ids]}::text[]`)))
    .execute();
}
