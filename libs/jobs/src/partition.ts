/** FNV-1a: a stable, fast string hash (the same user always lands in the same partition). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The queue partition of a user: one user's events always share a queue, so they never race. */
export function partitionOf(userId: string, partitions: number): number {
  return fnv1a(userId) % partitions;
}
