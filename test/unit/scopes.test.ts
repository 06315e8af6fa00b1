// Pure: the scope table and its decisions (no services).
import { describe, expect, it } from 'vitest';
import { EVENT_KIND_SCOPES, maySend, operatorName, SCOPES, SENDING_SCOPES, type Scope } from '@points-engine/auth';
import { EVENT_KINDS, type EventKind } from '@points-engine/domain';

const key = (...scopes: Scope[]) => ({ scopes });

describe('EVENT_KIND_SCOPES (issue 10 item 1)', () => {
  it('names a scope for every event kind, and only bot work is open to a producer key', () => {
    expect(Object.keys(EVENT_KIND_SCOPES).sort()).toEqual([...EVENT_KINDS].sort());
    const byProducer = EVENT_KINDS.filter((kind) => maySend(key('producer'), kind));
    expect(byProducer.sort()).toEqual(['earn', 'hold', 'settle', 'spend', 'void']);
  });

  it("puts every value-creating kind out of a bot key's reach", () => {
    for (const kind of ['grant', 'deduct', 'reverse', 'purchase_bonus', 'set_token_balance'] as const) {
      expect(maySend(key('producer', 'reader'), kind), kind).toBe(false);
    }
  });

  const table: { scope: Scope; allowed: EventKind[] }[] = [
    { scope: 'producer', allowed: ['earn', 'spend', 'hold', 'settle', 'void'] },
    { scope: 'reader', allowed: [] },
    { scope: 'payments', allowed: ['purchase_bonus'] },
    { scope: 'holdings', allowed: ['set_token_balance'] },
    { scope: 'admin', allowed: [...EVENT_KINDS] },
  ];
  it.each(table)('$scope may send exactly $allowed', ({ scope, allowed }) => {
    for (const kind of EVENT_KINDS) expect(maySend(key(scope), kind), `${scope} → ${kind}`).toBe(allowed.includes(kind));
  });

  it('lets payments reverse a recorded purchase_bonus and nothing else; admin reverses anything', () => {
    expect(maySend(key('payments'), 'reverse', 'purchase_bonus')).toBe(true);
    for (const original of ['earn', 'grant', 'deduct', 'spend', 'reverse', 'set_token_balance', undefined, 'constructor', '__proto__']) {
      expect(maySend(key('payments'), 'reverse', original), String(original)).toBe(false);
      expect(maySend(key('producer'), 'reverse', original), String(original)).toBe(false);
    }
    expect(maySend(key('producer'), 'reverse', 'purchase_bonus')).toBe(false);
    expect(maySend(key('admin'), 'reverse', undefined)).toBe(true);
  });

  it('SENDING_SCOPES are the scopes that can send at least one kind', () => {
    expect([...SENDING_SCOPES].sort()).toEqual(SCOPES.filter((scope) => EVENT_KINDS.some((kind) => maySend(key(scope), kind) || maySend(key(scope), 'reverse', 'purchase_bonus'))).sort());
    expect(SENDING_SCOPES).not.toContain('reader');
  });
});

describe('operatorName (issue 10 item 1: the operator comes from the key)', () => {
  it('is the key name and id, cut so it fits the 100 characters an operator may have', () => {
    expect(operatorName({ id: 'abcdef012345', name: 'support-desk' })).toBe('support-desk (abcdef012345)');
    const long = operatorName({ id: 'abcdef012345', name: 'x'.repeat(300) });
    expect(long).toHaveLength(100);
    expect(long.endsWith(' (abcdef012345)')).toBe(true);
  });
});
