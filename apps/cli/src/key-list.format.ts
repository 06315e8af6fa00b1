/** A key as `keys list` reads it (listApiKeys). */
export interface ListedKey {
  id: string;
  name: string;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export type KeyState = 'active' | 'expired' | 'revoked';

/** Whether a key works now: revoked wins over expired (both refuse it). */
export function keyState(key: Pick<ListedKey, 'expires_at' | 'revoked_at'>, now: number): KeyState {
  if (key.revoked_at) return 'revoked';
  if (key.expires_at && key.expires_at.getTime() <= now) return 'expired';
  return 'active';
}

// To the minute, in UTC: wide enough to tell keys apart, short enough for a terminal line.
const when = (date: Date | null, none: string): string => (date ? `${date.toISOString().slice(0, 16).replace('T', ' ')}Z` : none);

/** `keys list`: one aligned row per key under a header, dates in UTC to the minute. */
export function formatKeyTable(keys: readonly ListedKey[], now: number): string {
  const rows = keys.map((key) => [
    key.id,
    key.name,
    key.scopes.join(','),
    keyState(key, now),
    when(key.created_at, '-'),
    when(key.last_used_at, 'never'),
    when(key.expires_at, 'never'),
    when(key.revoked_at, '-'),
  ]);
  const table = [['ID', 'NAME', 'SCOPES', 'STATE', 'CREATED', 'LAST USED', 'EXPIRES', 'REVOKED'], ...rows];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  return table.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n') + '\n';
}

/** `keys list --json`: the same facts for scripts, dates as ISO strings (null when none). */
export function keysAsJson(keys: readonly ListedKey[], now: number): string {
  const iso = (date: Date | null) => (date ? date.toISOString() : null);
  return `${JSON.stringify(
    keys.map((key) => ({
      id: key.id, name: key.name, scopes: key.scopes, state: keyState(key, now),
      created_at: iso(key.created_at), last_used_at: iso(key.last_used_at), expires_at: iso(key.expires_at), revoked_at: iso(key.revoked_at),
    })),
    null,
    2,
  )}\n`;
}
