import type { EventKind } from '@points-engine/domain';

/**
 * What a key may do, by who holds it: `producer` (bots), `reader` (reads), `payments` (an
 * operator's own payment backend), `holdings` (the token-holdings watcher), `admin` (the operator:
 * everything). docs/security.md explains each and the worst a leaked key of each can do.
 */
export const SCOPES = ['producer', 'reader', 'payments', 'holdings', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyIdentity {
  id: string;
  name: string;
  scopes: Scope[];
}

/**
 * THE table of which scope may send each event kind over HTTP (`POST /api/points/events`,
 * `/api/points/spend`). Every kind that creates value without spending any (grant, purchase,
 * a token balance, a reversal) needs a scope a bot key does not hold. The events route, the spend
 * route, docs/security.md and test/security/scope-matrix.test.ts all read this one table.
 */
export const EVENT_KIND_SCOPES = {
  earn: 'producer',
  spend: 'producer',
  hold: 'producer',
  settle: 'producer',
  void: 'producer',
  purchase_bonus: 'payments',
  set_token_balance: 'holdings',
  grant: 'admin',
  deduct: 'admin',
  reverse: 'admin',
} as const satisfies Record<EventKind, Scope>;

/**
 * Reversals a scope other than admin may send, by the kind of the transaction reversed: a payment
 * backend refunds its own purchases and nothing else.
 */
export const REVERSE_SCOPES_BY_ORIGINAL: Readonly<Partial<Record<EventKind, Scope>>> = { purchase_bonus: 'payments' };

/** The scopes that can send at least one kind: a key needs one of them to reach the event routes. */
export const SENDING_SCOPES: readonly Scope[] = [...new Set<Scope>([...Object.values(EVENT_KIND_SCOPES), ...Object.values(REVERSE_SCOPES_BY_ORIGINAL)])];

/** Admin covers every scope. */
export const hasScope = (identity: Pick<ApiKeyIdentity, 'scopes'>, scope: Scope): boolean => identity.scopes.includes('admin') || identity.scopes.includes(scope);

/**
 * Whether a key may send an event of `kind`. For a reverse, `originalKind` is the kind of the
 * recorded transaction it names (undefined when none is recorded: then only admin may).
 */
export function maySend(identity: Pick<ApiKeyIdentity, 'scopes'>, kind: EventKind, originalKind?: string): boolean {
  if (hasScope(identity, EVENT_KIND_SCOPES[kind])) return true;
  if (kind !== 'reverse' || originalKind === undefined || !Object.hasOwn(REVERSE_SCOPES_BY_ORIGINAL, originalKind)) return false;
  const scope = REVERSE_SCOPES_BY_ORIGINAL[originalKind as EventKind];
  return scope !== undefined && hasScope(identity, scope);
}

/** The operator an adjustment records when sent with this key: its name and id, never a body field. */
export function operatorName(identity: Pick<ApiKeyIdentity, 'id' | 'name'>): string {
  const id = ` (${identity.id})`;
  return `${identity.name.slice(0, 100 - id.length)}${id}`;
}
