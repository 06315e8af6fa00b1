import { DecisionBuilder, eventTime, type DecideContext } from './decision-builder.ts';
import { reject, type Decision } from './decision.ts';
import type { PurchaseBonusEvent } from './events.schema.ts';
import { own } from './lookup.ts';
import { effectiveTier } from './tiers.ts';
import type { UserState } from './user-state.ts';

const DAY_MS = 86_400_000;

/** The referrer a purchase pays a bonus to: the event's, else the one recorded at signup. */
export function purchaseReferrer(event: PurchaseBonusEvent, buyer: UserState | undefined): string | null {
  const referrer = event.referrer_id ?? buyer?.referrerId ?? null;
  return referrer === event.user_id ? null : referrer;
}

/**
 * Decides a `purchase_bonus`: credit packs add purchased credit; subscriptions set the tier until
 * the paid period ends (extending the same tier, replacing another) and pay the tier's bonus; the
 * buyer's referrer gets the referral purchase bonus. All in one transaction.
 */
export function decidePurchase(ctx: DecideContext, users: ReadonlyMap<string, UserState>, event: PurchaseBonusEvent): Decision {
  const { program } = ctx;
  const b = new DecisionBuilder(ctx, users);
  const at = eventTime(event.occurred_at, ctx.now);
  const userId = event.user_id;
  const product = event.product;
  let credit = 0;
  let bonus = 0;
  let tier: string | null = null;

  if (product.type === 'credit_pack') {
    const pack = own(program.credit_packs, product.pack);
    if (!pack) return reject('unknown_pack', { pack: product.pack });
    credit = pack.credit;
  } else if (product.type === 'credit') {
    credit = product.credit;
  } else {
    const rule = own(program.tiers, product.tier);
    if (!rule || product.tier === program.default_tier) return reject('unknown_tier', { tier: product.tier });
    const state = b.user(userId);
    const current = effectiveTier(state, at, program);
    const start = current === product.tier && state.tierEndsAt !== null ? Math.max(state.tierEndsAt, at) : at;
    const tierEndsAt = start + product.periods * rule.period_days * DAY_MS;
    b.update(userId, { tier: product.tier, tierEndsAt });
    bonus = rule.subscription_bonus * product.periods;
    tier = product.tier;
  }

  b.issue(userId, 'credit', 'purchases', credit);
  b.earnPoints(userId, bonus, at);
  const referrer = purchaseReferrer(event, users.get(userId));
  const referralBonus = referrer ? program.earning.referral_purchase_bonus : 0;
  if (referrer) b.earnPoints(referrer, referralBonus, at);
  b.notice({ type: 'purchase_applied', userId, product: product.type, credit, bonus, tier });
  const details: Record<string, unknown> = { product: product.type, credit, bonus, referrer_id: referrer, referral_bonus: referralBonus };
  if (tier) details['tier_ends_at'] = new Date(b.user(userId).tierEndsAt ?? at).toISOString();
  return b.applied(credit + bonus, null, details);
}
