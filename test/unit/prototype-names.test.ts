// Pure: names taken from events that collide with Object.prototype members, decided through decide(); no services.
import { describe, expect, it } from 'vitest';
import { defaultProgram, defaultProgramInput, own, priceOf } from '@points-engine/domain';
import { kindLabel, reasonText } from '@points-engine/i18n';
import { expectApplied, expectRejected } from './support/expect.ts';
import { ev, programWith, run, user, World, T0, SECOND } from './support/world.ts';

// The one member every plain object inherits whose name is a valid event identifier (lower case).
const INHERITED = ['constructor'];

describe('own(): only a table’s own entries are found', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('%s is not an entry of a plain table', (name) => {
    expect(own({ a: 1 }, name)).toBeUndefined();
    expect(own(undefined, name)).toBeUndefined();
  });
  it('finds an own entry, including one named like a prototype member', () => {
    expect(own({ a: 1 }, 'a')).toBe(1);
    expect(own(JSON.parse('{"constructor": 7}') as Record<string, number>, 'constructor')).toBe(7);
  });
});

describe('event names that are Object.prototype members are unknown, not found', () => {
  it.each(INHERITED)('earn activity %s is rejected unknown_activity', (activity) => {
    expectRejected(run([user()], ev({ kind: 'earn', user_id: 'u1', activity })), 'unknown_activity');
  });

  it.each(INHERITED)('spend task_type %s is rejected unknown_task_type and never priced', (task) => {
    expect(priceOf({ task_type: task, duration_seconds: 3 }, defaultProgram)).toBeNull();
    expectRejected(run([user()], ev({ kind: 'spend', user_id: 'u1', task_type: task })), 'unknown_task_type');
  });

  it.each(INHERITED)('a credit pack %s is rejected unknown_pack', (pack) => {
    expectRejected(run([user()], ev({ kind: 'purchase_bonus', user_id: 'u1', product: { type: 'credit_pack', pack } })), 'unknown_pack');
  });

  it('a program activity named "constructor" is rate limited by its own stored time, never the prototype’s (a NaN time let every event through)', () => {
    const program = programWith({ earning: { ...defaultProgramInput.earning, activities: { ...defaultProgramInput.earning.activities, constructor: { base: 5, min_interval_seconds: 10 } } } });
    const world = new World([user({}, program)], program);
    expect(expectApplied(world.apply(ev({ kind: 'earn', user_id: 'u1', activity: 'constructor' }), T0)).amount).toBe(5);
    const again = expectApplied(world.apply(ev({ kind: 'earn', user_id: 'u1', activity: 'constructor' }), T0 + SECOND));
    expect([again.amount, again.reason]).toEqual([0, 'rate_limited']);
    expect(Object.keys(world.user().earnedAt)).toEqual(['constructor']);
    expect(world.user().earnedAt['constructor']?.at).toEqual([T0]);
  });

  it('labels and reason texts fall back to the code for inherited names', () => {
    expect(kindLabel('constructor', 'en')).toBe('constructor');
    expect(reasonText('toString', 'ru')).toBe('toString');
  });
});
