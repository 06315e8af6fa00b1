import type { BotEvent } from '@points-engine/client';

/**
 * What the bot tells the user for an event. `event.type` narrows the payload: each case reads its
 * own fields, typed. A type this client version does not know arrives as `unknown`: ignore it.
 */
export function messageFor(event: BotEvent): string | null {
  switch (event.type) {
    case 'level_up':
      return `Level up! ${event.payload.from} → ${event.payload.to}`;
    case 'streak_milestone':
      return `${event.payload.streak}-day streak! Bonus +${event.payload.bonus} points.`;
    case 'purchase_applied':
      return `Purchase applied: +${event.payload.credit} credit, +${event.payload.bonus} points${event.payload.tier ? `, tier ${event.payload.tier}` : ''}.`;
    case 'hold_lapsed':
      return `A reservation expired: ${event.payload.released} returned to your balance.`;
    case 'points_expiring':
      return `${event.payload.amount} points expire on ${event.payload.expires_on}.`;
    case 'unknown':
      return null;
  }
}
