import { lapseKey, type LedgerEvent } from '@points-engine/domain';
import { applyBatch, type LedgerContext } from '../apply-batch.ts';
import { findLapsedHolds } from '../state.repository.ts';

/**
 * Releases holds whose time ran out, through the normal apply path (key `lapse:{hold}`), so a
 * lapse is applied exactly once even when sweeps overlap, and never after a settle or void.
 */
export async function lapseHolds(ctx: LedgerContext, batchSize = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const now = (ctx.now ?? Date.now)();
    const due = await findLapsedHolds(ctx.db, new Date(now), batchSize);
    if (due.length === 0) return total;
    const events: LedgerEvent[] = due.map((hold) => ({ kind: 'lapse_hold', idempotency_key: lapseKey(hold.hold_key), user_id: hold.user_id, hold_key: hold.hold_key }));
    const results = await applyBatch(ctx, events);
    // Count only lapses this sweep wrote: a sweep running alongside another replays the same keys.
    total += results.filter((r) => r.type === 'applied' && !r.replayed).length;
    if (due.length < batchSize) return total;
  }
}
