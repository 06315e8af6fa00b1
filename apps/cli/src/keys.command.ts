import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey, SCOPES, type Scope } from '@points-engine/auth';
import { loadConfig } from '@points-engine/config';
import { openDatabase } from './cli-database.ts';
import { CliError, commandLine } from './cli-errors.ts';
import { formatKeyTable, keysAsJson, keyState } from './key-list.format.ts';

const DAY_MS = 86_400_000;
const expiresIn = (days: number | undefined): Date | undefined => (days === undefined ? undefined : new Date(Date.now() + days * DAY_MS));

async function withDatabase<T>(mode: 'read' | 'write', work: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>): Promise<T> {
  const { db, close } = await openDatabase(loadConfig(), mode);
  try {
    return await work(db);
  } finally {
    await close();
  }
}

/** `keys create`: a new key with these scopes; the full key is printed once, on the last line. */
export async function createKey(options: { name: string; scopes: string[]; expiresInDays?: number }): Promise<string> {
  const unknown = options.scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) throw new CliError(`unknown scope(s): ${unknown.join(', ')} (scopes: ${SCOPES.join(', ')})`);
  const expiresAt = expiresIn(options.expiresInDays);
  const { id, key } = await withDatabase('write', (db) => createApiKey(db, options.name, options.scopes as Scope[], expiresAt ? { expiresAt } : {}));
  const until = expiresAt ? `, expires ${expiresAt.toISOString()}` : '';
  return `created key ${id} (${options.scopes.join(', ')}${until}). Store it now; it is not shown again:\n${key}\n`;
}

/** `keys list`: every key with its state and dates; reads only. */
export async function listKeys(options: { json?: boolean }): Promise<string> {
  const keys = await withDatabase('read', (db) => listApiKeys(db));
  if (options.json) return keysAsJson(keys, Date.now());
  if (keys.length === 0) return `no API keys yet; make one with: ${commandLine('keys create --name my-bot --scopes producer,reader')}\n`;
  return formatKeyTable(keys, Date.now());
}

/** `keys revoke ID`: refused at once by every API process. */
export async function revokeKey(id: string): Promise<string> {
  const revoked = await withDatabase('write', (db) => revokeApiKey(db, id));
  if (!revoked) throw new CliError(`no active key ${id} (${commandLine('keys list')} shows them)`);
  return `revoked ${id}\n`;
}

/**
 * `keys rotate ID`: a new secret for the same key (id, name, scopes); the old secret is refused
 * at once by every API process. An expired key needs a new expiry to be worth rotating.
 */
export async function rotateKey(id: string, options: { expiresInDays?: number }): Promise<string> {
  return withDatabase('write', async (db) => {
    const current = (await listApiKeys(db)).find((key) => key.id === id);
    if (!current || keyState(current, Date.now()) === 'revoked') throw new CliError(`no active key ${id} (${commandLine('keys list')} shows them)`);
    if (keyState(current, Date.now()) === 'expired' && options.expiresInDays === undefined) {
      throw new CliError(`key ${id} expired at ${current.expires_at?.toISOString()}: rotate it with --expires-in-days N to give it a new expiry`);
    }
    const expiresAt = expiresIn(options.expiresInDays);
    const rotated = await rotateApiKey(db, id, expiresAt ? { expiresAt } : {});
    if (!rotated) throw new CliError(`no active key ${id} (it was revoked meanwhile)`);
    const until = expiresAt ?? current.expires_at;
    return (
      `rotated key ${id} (${current.name}: ${current.scopes.join(', ')}${until ? `, expires ${until.toISOString()}` : ''}). ` +
      `The old secret no longer works. Store the new key now; it is not shown again:\n${rotated.key}\n`
    );
  });
}
