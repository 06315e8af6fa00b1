/**
 * A TON transaction hash in its one canonical form, lower-case hex of its 32 bytes, from any way a
 * watcher may write it: hex in either case, base64 or base64url (padded or not). The same transfer
 * written three ways is one key (`ton:{hex}`), so it is credited once. Null when the text is not
 * exactly 32 bytes in one of those forms.
 */
export function canonicalTonHash(text: string): string | null {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase();
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return null;
  const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes.toString('hex') : null;
}
