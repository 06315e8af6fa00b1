// Isolation: its own database and BullMQ prefix (startTestEngine), a clock fixed at the start so program days cannot roll over mid-file, random user ids.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInitData } from '@points-engine/auth';
import { loadProgram } from '@points-engine/config';
import { defaultProgram, type Program } from '@points-engine/domain';
import { randomUser } from '../support/services.ts';
import { startTestEngine, TEST_BOT_TOKEN, type TestEngine } from '../support/engine.ts';

const NOW = Date.now();
// Spends draw on points only here, so "points already spent" is one number.
const pointsOnly: Program = { ...defaultProgram, spending: { ...defaultProgram.spending, order: ['points'] } };

let engine: TestEngine;
let admin: string;
let reader: string;
let producer: string;
beforeAll(async () => {
  engine = await startTestEngine({ program: pointsOnly, now: () => NOW });
  [admin, reader, producer] = await Promise.all([engine.key('admin'), engine.key('reader'), engine.key('producer')]);
});
afterAll(async () => {
  await engine.close();
});

/** The operator an admin key records: its name and id (the id is the key's first part). */
const operatorOf = (key: string) => `test-admin (${key.slice(3, 15)})`;

async function apply(event: Record<string, unknown>) {
  return engine.client.spend(event as Parameters<TestEngine['client']['spend']>[0]);
}
/** `key: null` sends no key at all. */
async function call(method: 'GET' | 'POST', path: string, body?: unknown, key: string | null = admin, headers: Record<string, string> = {}) {
  const response = await engine.fetch(path, { method, ...(key === null ? {} : { key }), headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
const balanceOf = async (user: string) => (await call('GET', `/api/points/balance?user_id=${user}`, undefined, reader)).body;

describe('POST /api/admin/users/{user_id}/grant and /deduct', () => {
  it('applies a grant through the worker, records the key as operator, and a retry with the same key applies it once', async () => {
    const user = randomUser('adm');
    const body = { amount: 250, reason: 'support ticket 17', idempotency_key: `ticket-17:${user}` };
    const first = await call('POST', `/api/admin/users/${user}/grant`, body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'applied', kind: 'grant', user_id: user, amount: 250, balances: { points: 250 }, reason_text: null,
      details: { asset: 'points', reason: 'support ticket 17', operator: operatorOf(admin) },
    });
    // The body cannot name another operator: it is refused (issue 10 item 1), and a retry without one is the same event again.
    const forged = await call('POST', `/api/admin/users/${user}/grant`, { ...body, operator: 'mallory' });
    expect(forged).toMatchObject({ status: 400, body: { field: 'operator' } });
    const retry = await call('POST', `/api/admin/users/${user}/grant`, body);
    expect(retry.status).toBe(200);
    expect(retry.body['transaction_id']).toBe(first.body['transaction_id']);
    expect((await balanceOf(user))['balance']).toBe(250);
    const recorded = await engine.db.selectFrom('ledger_transactions').select(['payload']).where('idempotency_key', '=', body.idempotency_key).execute();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.payload).toMatchObject({ kind: 'grant', operator: operatorOf(admin), reason: 'support ticket 17' });
  });

  it('answers 409 when the idempotency key was used for a different adjustment, and changes nothing', async () => {
    const user = randomUser('adm');
    const body = { amount: 40, reason: 'bonus', idempotency_key: `dup:${user}` };
    expect((await call('POST', `/api/admin/users/${user}/grant`, body)).status).toBe(200);
    const otherAmount = await call('POST', `/api/admin/users/${user}/grant`, { ...body, amount: 41 });
    expect(otherAmount).toMatchObject({ status: 409, body: { error: 'idempotency_conflict', field: 'idempotency_key' } });
    const otherKind = await call('POST', `/api/admin/users/${user}/deduct`, body);
    expect(otherKind.status).toBe(409);
    // Another operator's request is another request, even with the same body.
    const otherOperator = await call('POST', `/api/admin/users/${user}/grant`, body, await engine.key('admin'));
    expect(otherOperator.status).toBe(409);
    expect((await balanceOf(user))['balance']).toBe(40);
  });

  it('deducts, never below zero: a deduct beyond the balance is rejected with a localized reason', async () => {
    const user = randomUser('adm');
    await call('POST', `/api/admin/users/${user}/grant`, { amount: 100, reason: 'start', idempotency_key: `g:${user}` });
    const deducted = await call('POST', `/api/admin/users/${user}/deduct`, { amount: 30, reason: 'abuse', idempotency_key: `d1:${user}` });
    expect(deducted).toMatchObject({ status: 200, body: { status: 'applied', amount: 30, balances: { points: 70 }, details: { operator: operatorOf(admin) } } });
    const tooMuch = await call('POST', `/api/admin/users/${user}/deduct?lang=ru`, { amount: 71, reason: 'abuse', idempotency_key: `d2:${user}` });
    expect(tooMuch).toMatchObject({ status: 200, body: { status: 'rejected', reason: 'insufficient_funds', reason_text: 'Недостаточно поинтов' } });
    const english = await call('POST', `/api/admin/users/${user}/deduct`, { amount: 71, reason: 'abuse', idempotency_key: `d2:${user}` }, admin, { 'accept-language': 'en' });
    expect(english.body['reason_text']).toBe('Not enough points');
    const balance = await balanceOf(user);
    expect(balance).toMatchObject({ balance: 70, lifetime_earned: 100 });
    expect(await engine.invariants()).toEqual([]);
  });
});

describe('POST /api/admin/transactions/{key}/reverse', () => {
  it('claws back what is left of a grant whose points were partly spent, reports the rest as unrecovered, and reverses once', async () => {
    const user = randomUser('rev');
    await call('POST', `/api/admin/users/${user}/grant`, { amount: 100, reason: 'promo', idempotency_key: `promo:${user}` });
    expect(await apply({ kind: 'spend', idempotency_key: `spend:${user}`, user_id: user, amount: 70 })).toMatchObject({ status: 'applied' });

    const reversed = await call('POST', `/api/admin/transactions/promo:${user}/reverse`, { reason: 'promo was a mistake', idempotency_key: `rev:${user}` });
    expect(reversed.status).toBe(200);
    expect(reversed.body).toMatchObject({
      status: 'applied', kind: 'reverse', user_id: user, amount: 30, reason: 'partially_reversed',
      reason_text: 'Partly reversed: some points were already spent', balances: { points: 0 },
      details: { transaction_key: `promo:${user}`, operator: operatorOf(admin), recovered: { [`${user}:points`]: 30 }, unrecovered: { [`${user}:points`]: 70 } },
    });
    // Lifetime earnings lose the whole grant (the level follows); the spend stands.
    expect(await balanceOf(user)).toMatchObject({ balance: 0, lifetime_earned: 0, lifetime_spent: 70, level: 1 });
    const stats = await call('GET', `/api/points/stats?user_id=${user}&days=1`, undefined, reader);
    expect(stats.body).toMatchObject({ reversed: 30, lifetime_earned: 0 });

    const retry = await call('POST', `/api/admin/transactions/promo:${user}/reverse`, { reason: 'promo was a mistake', idempotency_key: `rev:${user}` });
    expect(retry.body['transaction_id']).toBe(reversed.body['transaction_id']);
    const again = await call('POST', `/api/admin/transactions/promo:${user}/reverse?lang=ru`, { reason: 'twice', idempotency_key: `rev2:${user}` });
    expect(again).toMatchObject({ status: 200, body: { status: 'rejected', reason: 'already_reversed', reason_text: 'Эта транзакция уже отменена' } });
    expect(await engine.invariants()).toEqual([]);
  });

  it('reverses an unspent earning in full, refuses a spend, and answers 404 for an unknown key', async () => {
    const user = randomUser('rev');
    await apply({ kind: 'earn', idempotency_key: `earn:${user}`, user_id: user, activity: 'vision_request' });
    const full = await call('POST', `/api/admin/transactions/earn:${user}/reverse`, { reason: 'fraud', idempotency_key: `rev-earn:${user}` });
    expect(full.body).toMatchObject({ status: 'applied', amount: 20, reason: null, details: { recovered: { [`${user}:points`]: 20 }, unrecovered: {} } });
    await call('POST', `/api/admin/users/${user}/grant`, { amount: 5, reason: 'x', idempotency_key: `g:${user}` });
    await apply({ kind: 'spend', idempotency_key: `spend:${user}`, user_id: user, amount: 5 });
    const spend = await call('POST', `/api/admin/transactions/spend:${user}/reverse`, { reason: 'refund', idempotency_key: `rev-spend:${user}` });
    expect(spend.body).toMatchObject({ status: 'rejected', reason: 'not_reversible' });
    const unknown = await call('POST', `/api/admin/transactions/nothing:${user}/reverse`, { reason: 'x', idempotency_key: `rev-none:${user}` });
    expect(unknown.status).toBe(404);
  });
});

describe('GET /api/admin/users/{user_id}', () => {
  it('shows balance, history with reason texts, open holds, tier, referrer, referrals and notices in the asked language', async () => {
    const referrer = randomUser('ref');
    const user = randomUser('adm');
    await apply({ kind: 'earn', idempotency_key: `signup:${user}`, user_id: referrer, activity: 'referral_signup', referred_user_id: user });
    await apply({ kind: 'purchase_bonus', idempotency_key: `pay:${user}`, user_id: user, product: { type: 'subscription', tier: 'PREMIUM' } });
    await apply({ kind: 'hold', idempotency_key: `hold:${user}`, user_id: user, amount: 15 });
    await apply({ kind: 'spend', idempotency_key: `big:${user}`, user_id: user, amount: 1_000_000 });

    const { status, body } = await call('GET', `/api/admin/users/${user}?lang=ru&history_limit=2`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ user_id: user, referrer_id: referrer, referrals: 0, tier: { name: 'PREMIUM', multiplier: 1.5 } });
    expect(body['tier'].ends_at).not.toBeNull();
    // 1500 subscription bonus, 15 of it held.
    expect(body['balance']).toMatchObject({ balance: 1_485, points_held: 15, level: 2, level_name: 'Трейдер', open_holds: 1 });
    expect(body['open_holds']).toEqual([expect.objectContaining({ hold_key: `hold:${user}`, amounts: { points: 15 }, total: 15 })]);
    expect(body['recent_history'].map((r: any) => [r.idempotency_key, r.reason_text])).toEqual([
      [`big:${user}`, 'Недостаточно поинтов'],
      [`hold:${user}`, null],
    ]);
    expect(body['history_next_cursor']).not.toBeNull();
    const texts = body['recent_notices'].map((n: any) => n.text);
    expect(texts).toContain('Покупка зачислена: +1500 поинтов, тариф PREMIUM.');
    expect(texts).toContain('Новый уровень 2: 📈 Трейдер!');

    const english = await call('GET', `/api/admin/users/${user}`);
    expect(english.body['recent_notices'].map((n: any) => n.text)).toContain('Level up! You reached level 2: 📈 Trader.');
    const ofReferrer = await call('GET', `/api/admin/users/${referrer}`);
    // 500 for the signup, 1000 for the referred user's purchase.
    expect(ofReferrer.body).toMatchObject({ referrals: 1, referrer_id: null, balance: { balance: 1_500 } });
  });

  it('answers 404 for a user the ledger has never seen', async () => {
    expect(await call('GET', `/api/admin/users/${randomUser()}`)).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });
});

describe('GET /api/admin/analytics', () => {
  it('counts users, circulation, earnings, spending, the last 24 hours, types, levels, streaks and the top', async () => {
    const before = (await call('GET', '/api/admin/analytics')).body;
    const whale = randomUser('whale');
    const regular = randomUser('reg');
    await call('POST', `/api/admin/users/${whale}/grant`, { amount: 200_000, reason: 'whale', idempotency_key: `whale:${whale}` });
    await apply({ kind: 'earn', idempotency_key: `login:${regular}`, user_id: regular, activity: 'daily_login' });
    await apply({ kind: 'spend', idempotency_key: `spend:${regular}`, user_id: regular, amount: 30 });
    await apply({ kind: 'spend', idempotency_key: `spend-big:${regular}`, user_id: regular, amount: 1_000 });

    const { status, body: after } = await call('GET', '/api/admin/analytics');
    expect(status).toBe(200);
    const delta = (pick: (view: Record<string, any>) => number) => pick(after) - pick(before);
    const type = (view: Record<string, any>, name: string) => view['by_type'].find((t: any) => t.type === name) ?? { transactions: 0, applied: 0, rejected: 0, amount: 0 };
    const level = (view: Record<string, any>, n: number) => view['levels'].find((l: any) => l.level === n).users as number;
    expect(delta((v) => v['totals'].users)).toBe(2);
    expect(delta((v) => v['totals'].earned)).toBe(200_100);
    expect(delta((v) => v['totals'].spent)).toBe(30);
    expect(delta((v) => v['totals'].points_in_circulation)).toBe(200_070);
    expect(delta((v) => v['last_24h'].transactions)).toBe(4);
    expect(delta((v) => v['last_24h'].rejected)).toBe(1);
    expect(delta((v) => v['last_24h'].active_users)).toBe(2);
    expect(delta((v) => v['last_24h'].new_users)).toBe(2);
    expect(delta((v) => v['last_24h'].earned)).toBe(200_100);
    expect(delta((v) => v['last_24h'].spent)).toBe(30);
    expect(delta((v) => type(v, 'grant').applied)).toBe(1);
    expect(delta((v) => type(v, 'spend').transactions)).toBe(2);
    expect(delta((v) => type(v, 'spend').rejected)).toBe(1);
    expect(delta((v) => level(v, 6))).toBe(1);
    expect(delta((v) => level(v, 1))).toBe(1);
    expect(delta((v) => v['streaks'].active)).toBe(1);
    expect(delta((v) => v['streaks'].at_least[0].users)).toBe(1);
    expect(after['streaks'].at_least[0].days).toBe(1);
    expect(after['top'][0]).toMatchObject({ rank: 1, user_id: whale, earned: 200_000, level: 6, level_name: 'Legend' });
    expect(after['top'].length).toBeLessThanOrEqual(5);

    const ru = (await call('GET', '/api/admin/analytics?lang=ru')).body;
    expect(ru['levels'][5].name).toBe('Легенда');
    expect(type(ru, 'grant').label).toBe('Начислено администратором');
  });
});

describe('GET /api/admin/config', () => {
  it('answers the program document itself (multipliers as decimals), which saved to a file loads back as PROGRAM_FILE to the running program', async () => {
    const { status, body } = await call('GET', '/api/admin/config');
    expect(status).toBe(200);
    // The document, not wrapped in anything: its top level is the program's own fields.
    expect(Object.keys(body).sort()).toEqual(Object.keys(engine.ledger.program).sort());
    expect(body['levels'][1]).toMatchObject({ level: 2, threshold: 1_000, multiplier: 1.1 });
    expect(body['tiers'].VIP.multiplier).toBe(2);
    expect(body['spending'].order).toEqual(['points']);

    const dir = await mkdtemp(join(tmpdir(), 'pe-program-'));
    try {
      const file = join(dir, 'program.json');
      await writeFile(file, JSON.stringify(body, null, 2));
      expect(loadProgram(file)).toEqual(engine.ledger.program);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('every admin route: auth and input', () => {
  const user = 'adm_auth';
  const valid = { amount: 1, reason: 'r', idempotency_key: 'k:auth' };
  const routes: { method: 'GET' | 'POST'; path: string; body?: unknown; bad: { path?: string; body?: unknown; field: string }[] }[] = [
    { method: 'GET', path: '/api/admin/analytics', bad: [{ path: '/api/admin/analytics?lang=fr', field: 'lang' }] },
    // The config takes no input, so there is nothing to be bad.
    { method: 'GET', path: '/api/admin/config', bad: [] },
    {
      method: 'GET', path: `/api/admin/users/${user}`,
      bad: [{ path: '/api/admin/users/no%20spaces', field: 'user_id' }, { path: `/api/admin/users/${user}?history_limit=0`, field: 'history_limit' }],
    },
    ...(['grant', 'deduct'] as const).map((kind) => ({
      method: 'POST' as const, path: `/api/admin/users/${user}/${kind}`, body: valid,
      bad: [
        { body: { ...valid, reason: undefined }, field: 'reason' },
        { body: { ...valid, reason: '   ' }, field: 'reason' },
        { body: { ...valid, amount: 0 }, field: 'amount' },
        { body: { ...valid, amount: 1.5 }, field: 'amount' },
        { body: { ...valid, idempotency_key: undefined }, field: 'idempotency_key' },
        { body: { ...valid, idempotency_key: 'has space' }, field: 'idempotency_key' },
        { body: { ...valid, asset: 'gold' }, field: 'asset' },
        { path: `/api/admin/users/bad%24user/${kind}`, body: valid, field: 'user_id' },
      ],
    })),
    {
      method: 'POST', path: '/api/admin/transactions/some-key/reverse', body: { reason: 'r', idempotency_key: 'rev:auth' },
      bad: [
        { body: { idempotency_key: 'rev:auth' }, field: 'reason' },
        { body: { reason: 'r' }, field: 'idempotency_key' },
        { path: `/api/admin/transactions/${'k'.repeat(201)}/reverse`, body: { reason: 'r', idempotency_key: 'rev:auth' }, field: 'key' },
      ],
    },
  ];

  for (const route of routes) {
    it(`${route.method} ${route.path}: 401 without a key, 403 for reader and producer keys and Telegram users, 400 naming the field`, async () => {
      const noKey = await call(route.method, route.path, route.body, null);
      expect(noKey).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
      for (const key of [reader, producer]) {
        expect(await call(route.method, route.path, route.body, key)).toMatchObject({ status: 403, body: { error: 'forbidden' } });
      }
      // A Telegram user is never an operator: initData is not an admin key.
      const initData = signInitData({ auth_date: String(Math.floor(NOW / 1000)), user: JSON.stringify({ id: user }) }, TEST_BOT_TOKEN);
      expect((await call(route.method, route.path, route.body, null, { 'x-telegram-init-data': initData })).status).toBe(401);
      for (const bad of route.bad) {
        const answer = await call(route.method, bad.path ?? route.path, bad.body ?? route.body);
        expect(answer, JSON.stringify(bad)).toMatchObject({ status: 400, body: { error: 'invalid_request', field: bad.field } });
      }
      // Nothing above reached the ledger.
      const touched = await engine.db.selectFrom('ledger_transactions').select('id').where('user_id', '=', user).execute();
      expect(touched).toEqual([]);
    });
  }
});
