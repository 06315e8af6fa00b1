// Pure: producer event schemas (zod only); this file needs no services.
import { describe, expect, it } from 'vitest';
import { EVENT_KINDS, pointsEventSchema, spendEventSchema } from '@points-engine/domain';

/** A valid event of each kind, as a producer would send it. */
const valid = {
  earn: { kind: 'earn', idempotency_key: 'text_req:42:1001', user_id: '42', activity: 'text_request' },
  spend: { kind: 'spend', idempotency_key: 'gen:42:1', user_id: '42', task_type: 'image', duration_seconds: 12.5 },
  hold: { kind: 'hold', idempotency_key: 'gen:42:2', user_id: '42', amount: 300 },
  settle: { kind: 'settle', idempotency_key: 'gen:42:2:settle', user_id: '42', hold_key: 'gen:42:2', amount: 250 },
  void: { kind: 'void', idempotency_key: 'gen:42:2:void', user_id: '42', hold_key: 'gen:42:2' },
  purchase_bonus: {
    kind: 'purchase_bonus',
    idempotency_key: 'stars:pay_1',
    user_id: '42',
    provider: 'stars',
    payment_id: 'pay_1',
    product: { type: 'subscription', tier: 'PREMIUM' },
    referrer_id: '7',
  },
  grant: { kind: 'grant', idempotency_key: 'grant:1', user_id: '42', amount: 100, reason: 'contest prize', operator: 'alice' },
  deduct: { kind: 'deduct', idempotency_key: 'deduct:1', user_id: '42', asset: 'credit', amount: 100, reason: 'chargeback' },
  set_token_balance: { kind: 'set_token_balance', idempotency_key: 'tokens:42:9', user_id: '42', token_balance: '123456789012345678901234567890' },
  reverse: { kind: 'reverse', idempotency_key: 'refund:stars:pay_1', user_id: '42', transaction_key: 'stars:pay_1', reason: 'refund' },
} as const satisfies Record<(typeof EVENT_KINDS)[number], Record<string, unknown>>;

type Kind = keyof typeof valid;
const withField = (kind: Kind, patch: Record<string, unknown>, remove: string[] = []): Record<string, unknown> => {
  const event: Record<string, unknown> = { ...structuredClone(valid[kind]), ...patch };
  for (const key of remove) delete event[key];
  return event;
};

/** The issue paths an event is rejected with (fails when it is accepted). */
function issuePaths(event: unknown): PropertyKey[][] {
  const result = pointsEventSchema.safeParse(event);
  expect(result.success, 'the event should be rejected').toBe(false);
  return result.error?.issues.map((issue) => issue.path) ?? [];
}

/** The distinct issue paths (one field may fail more than one check, e.g. min length and pattern). */
function distinctPaths(event: unknown): PropertyKey[][] {
  const seen = new Map<string, PropertyKey[]>();
  for (const path of issuePaths(event)) seen.set(JSON.stringify(path), path);
  return [...seen.values()];
}

describe('valid events', () => {
  it('there is a valid example of every kind', () => {
    expect(Object.keys(valid).sort()).toEqual([...EVENT_KINDS].sort());
  });

  it.each(EVENT_KINDS)('%s parses', (kind) => {
    const result = pointsEventSchema.safeParse(valid[kind]);
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.data?.kind).toBe(kind);
    expect(result.data?.user_id).toBe('42');
  });

  it('fills defaults: grant asset points, subscription periods 1', () => {
    expect(pointsEventSchema.parse(valid.grant)).toMatchObject({ asset: 'points' });
    expect(pointsEventSchema.parse(valid.purchase_bonus)).toMatchObject({ product: { type: 'subscription', tier: 'PREMIUM', periods: 1 } });
  });

  it.each([
    { field: 'user_id', value: 123_456_789, expected: '123456789' },
    { field: 'user_id', value: 0, expected: '0' },
    { field: 'user_id', value: 'tg:42@bot.example', expected: 'tg:42@bot.example' },
  ])('user_id $value becomes the string $expected', ({ field, value, expected }) => {
    const parsed = pointsEventSchema.parse(withField('earn', { [field]: value }));
    expect(parsed.user_id).toBe(expected);
    expect(typeof parsed.user_id).toBe('string');
  });

  it('numeric referred_user_id and referrer_id become strings', () => {
    const signup = pointsEventSchema.parse(withField('earn', { activity: 'referral_signup', referred_user_id: 77 }));
    expect(signup.kind === 'earn' && signup.referred_user_id).toBe('77');
    const purchase = pointsEventSchema.parse(withField('purchase_bonus', { referrer_id: 7 }));
    expect(purchase.kind === 'purchase_bonus' && purchase.referrer_id).toBe('7');
  });

  it('a numeric token balance becomes a decimal string', () => {
    const parsed = pointsEventSchema.parse(withField('set_token_balance', { token_balance: 540_000 }));
    expect(parsed.kind === 'set_token_balance' && parsed.token_balance).toBe('540000');
  });

  it.each(['2026-03-10T12:00:00Z', '2026-03-10T15:00:00+03:00', '2026-03-10T12:00:00.123Z'])('occurred_at %s is accepted', (occurred_at) => {
    expect(pointsEventSchema.safeParse(withField('earn', { occurred_at })).success).toBe(true);
  });
});

describe('invalid events give an issue whose path names the field', () => {
  it.each([
    { label: 'missing idempotency_key', kind: 'earn' as Kind, patch: {}, remove: ['idempotency_key'], path: ['idempotency_key'] },
    { label: 'empty idempotency_key', kind: 'earn' as Kind, patch: { idempotency_key: '' }, remove: [], path: ['idempotency_key'] },
    { label: 'idempotency_key with a space', kind: 'earn' as Kind, patch: { idempotency_key: 'a b' }, remove: [], path: ['idempotency_key'] },
    { label: 'idempotency_key over 200 chars', kind: 'earn' as Kind, patch: { idempotency_key: 'k'.repeat(201) }, remove: [], path: ['idempotency_key'] },
    { label: 'missing user_id', kind: 'spend' as Kind, patch: {}, remove: ['user_id'], path: ['user_id'] },
    { label: 'user_id with a space', kind: 'earn' as Kind, patch: { user_id: 'a b' }, remove: [], path: ['user_id'] },
    { label: 'empty user_id', kind: 'earn' as Kind, patch: { user_id: '' }, remove: [], path: ['user_id'] },
    { label: 'user_id over 64 chars', kind: 'earn' as Kind, patch: { user_id: 'u'.repeat(65) }, remove: [], path: ['user_id'] },
    { label: 'negative numeric user_id', kind: 'earn' as Kind, patch: { user_id: -1 }, remove: [], path: ['user_id'] },
    { label: 'fractional numeric user_id', kind: 'earn' as Kind, patch: { user_id: 1.5 }, remove: [], path: ['user_id'] },
    { label: 'occurred_at not a timestamp', kind: 'earn' as Kind, patch: { occurred_at: 'yesterday' }, remove: [], path: ['occurred_at'] },
    { label: 'metadata over 4 KiB', kind: 'earn' as Kind, patch: { metadata: { blob: 'x'.repeat(5_000) } }, remove: [], path: ['metadata'] },
    { label: 'missing activity', kind: 'earn' as Kind, patch: {}, remove: ['activity'], path: ['activity'] },
    { label: 'activity not an identifier', kind: 'earn' as Kind, patch: { activity: 'Text Request' }, remove: [], path: ['activity'] },
    { label: 'invalid referred_user_id', kind: 'earn' as Kind, patch: { referred_user_id: 'a/b' }, remove: [], path: ['referred_user_id'] },
    { label: 'zero amount', kind: 'hold' as Kind, patch: { amount: 0 }, remove: [], path: ['amount'] },
    { label: 'fractional amount', kind: 'hold' as Kind, patch: { amount: 1.5 }, remove: [], path: ['amount'] },
    { label: 'amount beyond 2^53 - 1', kind: 'hold' as Kind, patch: { amount: 2 ** 53 }, remove: [], path: ['amount'] },
    { label: 'amount as a string', kind: 'hold' as Kind, patch: { amount: '300' }, remove: [], path: ['amount'] },
    { label: 'negative duration', kind: 'spend' as Kind, patch: { duration_seconds: -1 }, remove: [], path: ['duration_seconds'] },
    { label: 'duration over a day', kind: 'spend' as Kind, patch: { duration_seconds: 86_401 }, remove: [], path: ['duration_seconds'] },
    { label: 'settle without hold_key', kind: 'settle' as Kind, patch: {}, remove: ['hold_key'], path: ['hold_key'] },
    { label: 'void without hold_key', kind: 'void' as Kind, patch: {}, remove: ['hold_key'], path: ['hold_key'] },
    { label: 'purchase without product', kind: 'purchase_bonus' as Kind, patch: {}, remove: ['product'], path: ['product'] },
    { label: 'lower-case subscription tier', kind: 'purchase_bonus' as Kind, patch: { product: { type: 'subscription', tier: 'vip' } }, remove: [], path: ['product', 'tier'] },
    { label: 'zero subscription periods', kind: 'purchase_bonus' as Kind, patch: { product: { type: 'subscription', tier: 'VIP', periods: 0 } }, remove: [], path: ['product', 'periods'] },
    { label: 'credit product without credit', kind: 'purchase_bonus' as Kind, patch: { product: { type: 'credit' } }, remove: [], path: ['product', 'credit'] },
    { label: 'credit pack name not an identifier', kind: 'purchase_bonus' as Kind, patch: { product: { type: 'credit_pack', pack: 'Big Pack' } }, remove: [], path: ['product', 'pack'] },
    { label: 'empty provider', kind: 'purchase_bonus' as Kind, patch: { provider: '' }, remove: [], path: ['provider'] },
    { label: 'invalid referrer_id', kind: 'purchase_bonus' as Kind, patch: { referrer_id: 'a b' }, remove: [], path: ['referrer_id'] },
    { label: 'grant without reason', kind: 'grant' as Kind, patch: {}, remove: ['reason'], path: ['reason'] },
    { label: 'grant of experience', kind: 'grant' as Kind, patch: { asset: 'experience' }, remove: [], path: ['asset'] },
    { label: 'deduct without amount', kind: 'deduct' as Kind, patch: {}, remove: ['amount'], path: ['amount'] },
    { label: 'negative token balance', kind: 'set_token_balance' as Kind, patch: { token_balance: '-5' }, remove: [], path: ['token_balance'] },
    { label: 'fractional token balance', kind: 'set_token_balance' as Kind, patch: { token_balance: '1.5' }, remove: [], path: ['token_balance'] },
    { label: 'token balance over 40 digits', kind: 'set_token_balance' as Kind, patch: { token_balance: '1'.repeat(41) }, remove: [], path: ['token_balance'] },
  ])('$label → $path', ({ kind, patch, remove, path }) => {
    expect(distinctPaths(withField(kind, patch, remove))).toEqual([path]);
  });

  it('an unknown kind is rejected at kind', () => {
    expect(issuePaths(withField('earn', { kind: 'teleport' }))).toEqual([['kind']]);
  });

  it('an unknown product type is rejected under product', () => {
    const paths = issuePaths(withField('purchase_bonus', { product: { type: 'gift_card' } }));
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(path[0]).toBe('product');
  });
});

describe('spend, hold and settle need exactly one of amount / task_type', () => {
  it.each([
    { kind: 'spend' as const, cost: { amount: 5 }, ok: true },
    { kind: 'spend' as const, cost: { task_type: 'image', duration_seconds: 3 }, ok: true },
    { kind: 'spend' as const, cost: { task_type: 'chat' }, ok: true },
    { kind: 'spend' as const, cost: { amount: 5, task_type: 'image' }, ok: false },
    { kind: 'spend' as const, cost: {}, ok: false },
    { kind: 'spend' as const, cost: { duration_seconds: 3 }, ok: false },
    { kind: 'hold' as const, cost: { amount: 5, task_type: 'image' }, ok: false },
    { kind: 'hold' as const, cost: {}, ok: false },
    { kind: 'settle' as const, cost: { amount: 5, task_type: 'image' }, ok: false },
    { kind: 'settle' as const, cost: {}, ok: false },
    { kind: 'settle' as const, cost: { task_type: 'video', duration_seconds: 1 }, ok: true },
  ])('$kind with $cost: ok=$ok', ({ kind, cost, ok }) => {
    const event = withField(kind, cost, ['amount', 'task_type', 'duration_seconds']);
    Object.assign(event, cost);
    if (ok) {
      expect(pointsEventSchema.safeParse(event).error?.issues ?? []).toEqual([]);
      return;
    }
    const result = pointsEventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['amount']]);
    expect(result.error?.issues[0]?.message).toMatch(/either amount or task_type/);
  });

  it('the spend schema on its own applies the same rule', () => {
    expect(spendEventSchema.safeParse({ kind: 'spend', idempotency_key: 'k', user_id: 'u', amount: 1, task_type: 'chat' }).success).toBe(false);
    expect(spendEventSchema.safeParse({ kind: 'spend', idempotency_key: 'k', user_id: 'u', amount: 1 }).success).toBe(true);
  });
});
