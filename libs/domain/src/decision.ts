import type { AssetCode, Posting } from './postings.ts';
import type { HoldState, UserState } from './user-state.ts';

/** Why an event changed nothing. Stable codes: producers and translations key on them. */
export type RejectReason =
  | 'insufficient_funds'
  | 'unknown_activity'
  | 'unknown_task_type'
  | 'unknown_pack'
  | 'unknown_tier'
  | 'hold_not_found'
  | 'hold_closed'
  | 'missing_referred_user'
  | 'self_referral'
  | 'already_referred'
  | 'transaction_not_found'
  | 'not_reversible'
  | 'already_reversed'
  | 'amount_overflow';

/**
 * Why an applied event earned less than its rate (0 or a remainder). `too_old`: the event is older
 * than the recent history its rate limit, daily cap or streak keeps, so it earns nothing.
 */
export type LimitReason = 'rate_limited' | 'daily_cap' | 'already_claimed' | 'too_old';

/** Something the bot may want to tell the user about; goes to the outbox with the change. */
export type Notice =
  | { type: 'level_up'; userId: string; from: number; to: number }
  | { type: 'streak_milestone'; userId: string; streak: number; bonus: number }
  | { type: 'purchase_applied'; userId: string; product: string; credit: number; bonus: number; tier: string | null }
  | { type: 'hold_lapsed'; userId: string; holdKey: string; released: number };

/** Points that reached a user's `points:main` on a program day (lots for expiry, leaderboards). */
export interface DayInflow {
  userId: string;
  day: string;
  /** Counts toward lifetime earnings, levels and leaderboards. */
  earned: number;
  /** Every inflow to points (earned or granted); expiry eats the oldest first. */
  inflow: number;
}

export interface AppliedDecision {
  status: 'applied';
  /** The headline amount: points earned, cost charged, credit bought, amount adjusted. */
  amount: number;
  /** Set when the amount was limited (rate limit, daily cap, already claimed) or partly charged. */
  reason: LimitReason | 'shortfall' | 'partially_reversed' | null;
  postings: Posting[];
  /** Every user whose state changed, in its new form. */
  users: UserState[];
  holds: HoldState[];
  notices: Notice[];
  inflows: DayInflow[];
  details: Record<string, unknown>;
}

export interface RejectedDecision {
  status: 'rejected';
  reason: RejectReason;
  details: Record<string, unknown>;
}

export type Decision = AppliedDecision | RejectedDecision;

export type SpendableAsset = Extract<AssetCode, 'allowance' | 'credit' | 'points'>;

export const reject = (reason: RejectReason, details: Record<string, unknown> = {}): RejectedDecision => ({
  status: 'rejected',
  reason,
  details,
});
