import { DecisionBuilder, type DecideContext } from './decision-builder.ts';
import { reject, type Decision } from './decision.ts';
import type { ReverseEvent } from './events.schema.ts';
import { levelFor } from './levels.ts';
import { own } from './lookup.ts';
import { systemAccount, transfer, userAccount, type AssetCode, type Bucket, type Posting, type SystemAccount } from './postings.ts';
import type { UserState } from './user-state.ts';

const DAY_MS = 86_400_000;

/** Kinds whose effect can be reversed: what they moved came from (or went to) a system account. */
export const REVERSIBLE_KINDS = ['earn', 'purchase_bonus', 'grant', 'deduct'] as const;

/** A recorded transaction as a reversal sees it. */
export interface OriginalTransaction {
  key: string;
  kind: string;
  userId: string;
  status: 'applied' | 'rejected';
  payload: Record<string, unknown>;
  /** The instant the original counted at (its lots and earnings sit on that program day). */
  at: number;
  postings: Posting[];
  /** The key of the reversal already applied to it, if any. */
  reversedBy: string | null;
}

/**
 * Decides a `reverse` (a refunded payment, an operator's correction). Every user balance the
 * original credited is debited back to the system account it came from, but only as far as
 * the user still has it in `main` — the ledger never goes below zero — and what could not be
 * recovered is reported per asset (reason `partially_reversed`). Debits are given back in
 * full. Lifetime earnings (and so the level) drop by all the points the original credited,
 * recovered or not (a refunded bonus was never earned); a reversed subscription gives back its
 * paid period.
 */
export function decideReverse(
  ctx: DecideContext,
  users: ReadonlyMap<string, UserState>,
  originals: ReadonlyMap<string, OriginalTransaction>,
  event: ReverseEvent,
): Decision {
  const original = originals.get(event.transaction_key);
  if (!original || original.userId !== event.user_id) return reject('transaction_not_found', { transaction_key: event.transaction_key });
  if (original.reversedBy !== null) return reject('already_reversed', { transaction_key: event.transaction_key, reversed_by: original.reversedBy });
  if (original.status !== 'applied' || !(REVERSIBLE_KINDS as readonly string[]).includes(original.kind)) {
    return reject('not_reversible', { transaction_key: event.transaction_key, kind: original.kind, status: original.status });
  }
  const b = new DecisionBuilder(ctx, users);
  const postings = reversiblePostings(original);
  const sources = new Map<AssetCode, SystemAccount>();
  for (const { account } of postings) if (account.owner === 'system' && !sources.has(account.asset)) sources.set(account.asset, account.name);

  const recovered: Record<string, number> = {};
  const unrecovered: Record<string, number> = {};
  let total = 0;
  for (const [slot, amount] of netUserAmounts(postings)) {
    const [userId, asset, bucket] = slot.split('|') as [string, AssetCode, Bucket];
    const system = systemAccount(sources.get(asset) ?? 'adjustments', asset);
    const mine = userAccount(userId, asset, bucket);
    const points = asset === 'points' && bucket === 'main';
    if (amount < 0) {
      b.post(transfer(system, mine, -amount));
      // Giving back a deduct undoes its consumption of the oldest lots.
      if (points) b.update(userId, { pointsConsumed: Math.max(0, b.user(userId).pointsConsumed + amount) });
      continue;
    }
    const take = Math.min(amount, b.balance(userId, asset, bucket));
    b.post(transfer(mine, system, take));
    recovered[`${userId}:${asset}`] = (recovered[`${userId}:${asset}`] ?? 0) + take;
    if (take < amount) unrecovered[`${userId}:${asset}`] = amount - take;
    total += take;
    if (points) {
      // The original's lot leaves its own day (so expiry and leaderboards forget it); the part
      // already spent from it was consumption of that lot, which goes with it.
      const state = b.user(userId);
      const lifetimeEarned = Math.max(0, state.lifetimeEarned - amount);
      b.update(userId, {
        lifetimeEarned,
        level: levelFor(lifetimeEarned, ctx.program.levels).level,
        pointsConsumed: Math.max(0, state.pointsConsumed - (amount - take)),
      });
      b.inflow(userId, original.at, -amount, -amount);
    }
  }
  shortenSubscription(ctx, b, original);
  const partial = Object.keys(unrecovered).length > 0;
  return b.applied(total, partial ? 'partially_reversed' : null, {
    transaction_key: original.key,
    reason: event.reason,
    operator: event.operator ?? null,
    recovered,
    unrecovered,
  });
}

/**
 * The original's postings a reversal undoes. A grant or deduct of allowance first opens the
 * user's allowance (`openAllowance` issues its capacity from `issuance`): that is the capacity the
 * user had all along made explicit, not part of the adjustment, so a reversal leaves it. Undoing
 * it took the whole capacity back with a small grant (and a deduct's reversal took instead of
 * gave), leaving an allowance no cycle refills.
 */
function reversiblePostings(original: OriginalTransaction): Posting[] {
  const isOpening = (p: Posting) => p.account.owner === 'system' && p.account.name === 'issuance' && p.account.asset === 'allowance';
  const opened = -original.postings.filter(isOpening).reduce((sum, p) => sum + p.amount, 0);
  if (opened === 0) return original.postings;
  return [...original.postings.filter((p) => !isOpening(p)), { account: userAccount(original.userId, 'allowance', 'main'), amount: -opened }];
}

/** Net amount per user bucket in a set of postings. */
function netUserAmounts(postings: readonly Posting[]): Map<string, number> {
  const net = new Map<string, number>();
  for (const { account, amount } of postings) {
    if (account.owner !== 'user') continue;
    const slot = `${account.userId}|${account.asset}|${account.bucket}`;
    net.set(slot, (net.get(slot) ?? 0) + amount);
  }
  for (const [slot, amount] of net) if (amount === 0) net.delete(slot);
  return net;
}

function shortenSubscription(ctx: DecideContext, b: DecisionBuilder, original: OriginalTransaction): void {
  const product = original.payload['product'] as { type?: string; tier?: string; periods?: number } | undefined;
  if (original.kind !== 'purchase_bonus' || product?.type !== 'subscription' || !product.tier) return;
  const state = b.user(original.userId);
  const rule = own(ctx.program.tiers, product.tier);
  if (state.tier !== product.tier || state.tierEndsAt === null || !rule) return;
  const tierEndsAt = state.tierEndsAt - (product.periods ?? 1) * rule.period_days * DAY_MS;
  if (tierEndsAt <= ctx.now) b.update(original.userId, { tier: ctx.program.default_tier, tierEndsAt: null });
  else b.update(original.userId, { tierEndsAt });
}

/** Users a reversal touches: everyone the original moved balances of. */
export function usersOfOriginal(original: OriginalTransaction | undefined): string[] {
  if (!original) return [];
  return [...new Set(original.postings.flatMap((p) => (p.account.owner === 'user' ? [p.account.userId] : [])))];
}
