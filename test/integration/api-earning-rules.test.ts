// Isolation: its own database and BullMQ prefix (startTestEngine), a clock fixed at the start so the program day cannot roll over mid-file, random user ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInitData } from '@points-engine/auth';
import { earningRulesResponse } from '../../apps/api/src/routes/earning-rules.route.ts';
import { randomUser } from '../support/services.ts';
import { startTestEngine, TEST_BOT_TOKEN, type TestEngine } from '../support/engine.ts';

const NOW = Date.now();
let engine: TestEngine;
let reader: string;
beforeAll(async () => {
  engine = await startTestEngine({ now: () => NOW });
  reader = await engine.key('reader');
});
afterAll(async () => {
  await engine.close();
});

async function rules(path: string, init: Parameters<TestEngine['fetch']>[1] = {}) {
  const response = await engine.fetch(path, init);
  expect(response.status).toBe(200);
  // The answer is exactly what the OpenAPI document says it is.
  return earningRulesResponse.parse(await response.json());
}
async function apply(event: Record<string, unknown>) {
  const outcome = await engine.client.spend(event as Parameters<TestEngine['client']['spend']>[0]);
  expect(outcome.status).toBe('applied');
  return outcome;
}

describe('GET /api/points/earning-rules', () => {
  it('a newcomer: base rates at ×1, the whole daily cap, no streak', async () => {
    const user = randomUser('er');
    const body = await rules(`/api/points/earning-rules?user_id=${user}`, { key: reader });
    expect(body).toMatchObject({ user_id: user, lang: 'en', level: { level: 1, name: 'Beginner', multiplier: 1 }, tier: { name: 'FREE', multiplier: 1 } });
    expect(body.activities.map((a) => [a.activity, a.label, a.earns_now])).toEqual([
      ['text_request', 'Text request', 10],
      ['vision_request', 'Vision analysis', 20],
      ['chart_request', 'Technical analysis', 15],
      ['daily_login', 'Daily login', 50],
      ['referral_signup', 'Referral signup', 500],
    ]);
    expect(body.daily_cap).toEqual({ limit: 10_000, earned_today: 0, left_today: 10_000 });
    expect(body.streak).toMatchObject({ current: 0, next: { days: 1, bonus: 50, logins_needed: 1 } });
    expect(body.referral).toEqual({ signup_activity: 'referral_signup', signup_bonus: 500, purchase_bonus: 1_000 });
  });

  it("follows the user's ledger: level and tier multipliers, rate limit, what is left of the cap, the claimed login", async () => {
    const user = randomUser('er');
    // 5,000 granted points make level 3 (×1.2); PREMIUM (×1.5) comes with its purchase.
    await apply({ kind: 'grant', idempotency_key: `er-grant:${user}`, user_id: user, asset: 'points', amount: 5_000, reason: 'test' });
    await apply({ kind: 'purchase_bonus', idempotency_key: `er-buy:${user}`, user_id: user, product: { type: 'subscription', tier: 'PREMIUM', periods: 1 }, provider: 'test', payment_id: `p-${user}` });
    const text = await apply({ kind: 'earn', idempotency_key: `er-text:${user}`, user_id: user, activity: 'text_request' });
    await apply({ kind: 'earn', idempotency_key: `er-login:${user}`, user_id: user, activity: 'daily_login' });

    const body = await rules(`/api/points/earning-rules?user_id=${user}`, { key: reader });
    expect(body.level).toMatchObject({ level: 3, multiplier: 1.2 });
    expect(body.tier).toEqual({ name: 'PREMIUM', multiplier: 1.5 });
    const byName = Object.fromEntries(body.activities.map((a) => [a.activity, a]));
    expect(byName['text_request']).toMatchObject({ level_multiplier: 1.2, tier_multiplier: 1.5, earns_now: 18, min_interval_seconds: 5 });
    // The clock is fixed at the text request's instant: its rate limit has the whole interval to go.
    expect(byName['text_request']?.ready_in_seconds).toBe(5);
    expect(byName['vision_request']).toMatchObject({ earns_now: 36, ready_in_seconds: 0 });
    expect(byName['daily_login']).toMatchObject({ level_multiplier: 1, tier_multiplier: 1, earns_now: 50, claimed_today: true });
    // The text request is capped; the grant, the purchase bonus and the login are not.
    expect(text.amount).toBe(18);
    expect(body.daily_cap).toEqual({ limit: 10_000, earned_today: 18, left_today: 9_982 });
    expect(body.streak).toMatchObject({ current: 1, next: { days: 3, bonus: 150, logins_needed: 2 } });
    expect(body.subscriptions.find((s) => s.current)?.tier).toBe('PREMIUM');
  });

  it('speaks Russian for lang=ru and for a Russian Mini App user, who reads only their own rules', async () => {
    const user = randomUser('er');
    const ru = await rules(`/api/points/earning-rules?user_id=${user}&lang=ru`, { key: reader });
    expect(ru.level.name).toBe('Новичок');
    expect(ru.activities[0]?.label).toBe('Текстовый запрос');

    const initData = signInitData({ auth_date: String(Math.floor(NOW / 1000)), user: JSON.stringify({ id: user, first_name: 'T', language_code: 'ru' }) }, TEST_BOT_TOKEN);
    const own = await rules('/api/points/earning-rules', { headers: { 'x-telegram-init-data': initData } });
    expect(own).toMatchObject({ user_id: user, lang: 'ru' });
    const other = await engine.fetch(`/api/points/earning-rules?user_id=${randomUser('er')}`, { headers: { 'x-telegram-init-data': initData } });
    expect(other.status).toBe(403);
  });
});
