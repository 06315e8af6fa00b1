// Isolation: its own database and BullMQ prefix (startTestEngine), a clock fixed at the start so program days cannot roll over mid-file, random user ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { signInitData } from '@points-engine/auth';
import { defaultProgram } from '@points-engine/domain';
import { noticeText, OUTCOME_REASONS, reasonText } from '@points-engine/i18n';
import { eventJobId, eventQueueName, partitionOf } from '@points-engine/jobs';
import { leaderboardWindow } from '@points-engine/ledger';
import { randomUser, redisUrl } from '../support/services.ts';
import { startTestEngine, TEST_BOT_TOKEN, type TestEngine } from '../support/engine.ts';

const NOW = Date.now();
const DAY_MS = 86_400_000;
const ago = (ms: number) => new Date(NOW - ms).toISOString();

let engine: TestEngine;
let reader: string;
let producer: string;
beforeAll(async () => {
  engine = await startTestEngine({ now: () => NOW });
  [reader, producer] = await Promise.all([engine.key('reader'), engine.key('producer')]);
});
afterAll(async () => {
  await engine.close();
});

/** Telegram Mini App initData for a user, signed with the test engine's bot token. */
function initData(userId: string, languageCode = 'en', token = TEST_BOT_TOKEN): string {
  return signInitData({ auth_date: String(Math.floor(NOW / 1000)), user: JSON.stringify({ id: userId, first_name: 'T', language_code: languageCode }) }, token);
}
const asTelegram = (userId: string, languageCode?: string) => ({ headers: { 'x-telegram-init-data': initData(userId, languageCode) } });

async function apply(event: Record<string, unknown>) {
  return engine.client.spend(event as Parameters<TestEngine['client']['spend']>[0]);
}
async function grant(user: string, amount: number, extra: Record<string, unknown> = {}) {
  const outcome = await apply({ kind: 'grant', idempotency_key: `grant:${user}:${amount}:${String(extra['occurred_at'] ?? '')}`, user_id: user, amount, reason: 'test', ...extra });
  expect(outcome.status).toBe('applied');
  return outcome;
}
async function getJson(path: string, init: Parameters<TestEngine['fetch']>[1] = {}) {
  const response = await engine.fetch(path, init);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('GET /api/points/leaderboard', () => {
  it("ranks by points earned in the period, ties by user_id, and shows the caller's own rank", async () => {
    const prefix = randomUser('lb');
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((s) => `${prefix}_${s}`) as [string, string, string, string];
    await grant(a, 5_000);
    await grant(b, 3_000);
    // Earned 40 days ago: always before this calendar month and week, still in "all".
    await grant(b, 9_000, { occurred_at: ago(40 * DAY_MS) });
    await grant(c, 2_000);
    await grant(d, 2_000);

    const mine = (items: any[]): any[] => items.filter((i) => String(i.user_id).startsWith(prefix));
    const day = await getJson('/api/points/leaderboard?period=day&limit=100', { key: reader });
    expect(day.status).toBe(200);
    expect(day.body).toMatchObject({ period: 'day', timezone: 'UTC', me: null });
    expect(day.body['from']).toBe(day.body['to']);
    const dayRows = mine(day.body['items']);
    expect(dayRows.map((r: any) => [r.user_id, r.earned])).toEqual([[a, 5_000], [b, 3_000], [c, 2_000], [d, 2_000]]);
    expect(dayRows[3].rank).toBe(dayRows[2].rank + 1);
    expect(dayRows[0]).toMatchObject({ level: 3, level_name: 'Analyst', level_icon: '🔍' });
    // Ranks are the row's position: strictly increasing from 1 with no gaps.
    expect(day.body['items'].map((r: any) => r.rank)).toEqual(day.body['items'].map((_: unknown, i: number) => i + 1));

    for (const period of ['week', 'month']) {
      const { body } = await getJson(`/api/points/leaderboard?period=${period}&limit=100`, { key: reader });
      expect(mine(body['items']).map((r: any) => [r.user_id, r.earned])).toEqual([[a, 5_000], [b, 3_000], [c, 2_000], [d, 2_000]]);
    }
    const all = await getJson('/api/points/leaderboard?period=all&limit=100', { key: reader });
    expect(all.body).toMatchObject({ from: null, to: null });
    expect(mine(all.body['items']).map((r: any) => [r.user_id, r.earned, r.level])).toEqual([[b, 12_000, 3], [a, 5_000, 3], [c, 2_000, 2], [d, 2_000, 2]]);

    // The caller's own row even outside the top `limit`.
    const dRank = dayRows[3].rank as number;
    const me = await getJson(`/api/points/leaderboard?period=day&limit=1&user_id=${d}`, { key: reader });
    expect(me.body['items']).toHaveLength(1);
    expect(me.body['me']).toMatchObject({ rank: dRank, user_id: d, earned: 2_000, level: 2 });
  });

  it('gives a Telegram user their own rank (none when they earned nothing), in their language', async () => {
    const user = randomUser('tg');
    const fresh = await getJson('/api/points/leaderboard?period=day', asTelegram(user, 'ru'));
    expect(fresh.status).toBe(200);
    expect(fresh.body['me']).toEqual({ rank: null, user_id: user, earned: 0, level: 1, level_name: 'Новичок', level_icon: '🌱' });
    await grant(user, 1_234);
    const ranked = await getJson(`/api/points/leaderboard?period=day&user_id=${user}`, asTelegram(user, 'ru'));
    expect(ranked.body['me']).toMatchObject({ user_id: user, earned: 1_234, level_name: 'Трейдер' });
    expect(ranked.body['me'].rank).toBeGreaterThan(0);
    const other = await getJson(`/api/points/leaderboard?user_id=${randomUser()}`, asTelegram(user));
    expect(other.status).toBe(403);
  });

  it('windows are calendar periods in the program time zone', () => {
    // 2031-01-01 is a Wednesday; in Moscow (UTC+3) 22:30 UTC on the 31st is already 1 January.
    const at = Date.parse('2030-12-31T22:30:00Z');
    expect(leaderboardWindow('day', at, 'Europe/Moscow')).toEqual({ from: '2031-01-01', to: '2031-01-01' });
    expect(leaderboardWindow('week', at, 'Europe/Moscow')).toEqual({ from: '2030-12-30', to: '2031-01-01' });
    expect(leaderboardWindow('month', at, 'Europe/Moscow')).toEqual({ from: '2031-01-01', to: '2031-01-01' });
    expect(leaderboardWindow('week', at, 'UTC')).toEqual({ from: '2030-12-30', to: '2030-12-31' });
    expect(leaderboardWindow('month', at, 'UTC')).toEqual({ from: '2030-12-01', to: '2030-12-31' });
    expect(leaderboardWindow('all', at, 'UTC')).toEqual({ from: null, to: null });
    // Sunday 22:30 UTC is already Monday in Moscow: a new week there, the last day of one in UTC.
    const sunday = Date.parse('2031-01-05T22:30:00Z');
    expect(leaderboardWindow('week', sunday, 'UTC')).toEqual({ from: '2030-12-30', to: '2031-01-05' });
    expect(leaderboardWindow('week', sunday, 'Europe/Moscow')).toEqual({ from: '2031-01-06', to: '2031-01-06' });
  });
});

describe('GET /api/points/levels', () => {
  it('lists every level with thresholds and multipliers, localized by lang, Accept-Language or the Telegram user', async () => {
    const en = await getJson('/api/points/levels', { key: reader });
    expect(en.status).toBe(200);
    expect(en.body['levels']).toHaveLength(defaultProgram.levels.length);
    expect(en.body['levels'][1]).toEqual({ level: 2, name: 'Trader', icon: '📈', threshold: 1_000, next_threshold: 5_000, multiplier: 1.1 });
    expect(en.body['levels'].at(-1)).toMatchObject({ level: 6, name: 'Legend', next_threshold: null, multiplier: 2 });
    const ru = await getJson('/api/points/levels?lang=ru', { key: reader });
    expect(ru.body['levels'][0].name).toBe('Новичок');
    const header = await getJson('/api/points/levels', { key: reader, headers: { 'accept-language': 'ru-RU,ru;q=0.9' } });
    expect(header.body).toMatchObject({ lang: 'ru' });
    const telegram = await getJson('/api/points/levels', asTelegram(randomUser(), 'ru'));
    expect(telegram.body['levels'][5].name).toBe('Легенда');
  });
});

describe('GET /api/points/stats', () => {
  it("breaks a user's earnings down by type and by program day, with limits and their reasons", async () => {
    const user = randomUser('stats');
    await apply({ kind: 'earn', idempotency_key: `t1:${user}`, user_id: user, activity: 'text_request', occurred_at: ago(60_000) });
    // Two seconds after the first text request: inside the 5 s limit, so it earns nothing.
    await apply({ kind: 'earn', idempotency_key: `t2:${user}`, user_id: user, activity: 'text_request', occurred_at: ago(58_000) });
    await apply({ kind: 'earn', idempotency_key: `v1:${user}`, user_id: user, activity: 'vision_request', occurred_at: ago(50_000) });
    await apply({ kind: 'earn', idempotency_key: `login:${user}`, user_id: user, activity: 'daily_login' });
    await grant(user, 500);
    await grant(user, 7, { occurred_at: ago(DAY_MS) });

    const { status, body } = await getJson(`/api/points/stats?user_id=${user}&days=3`, { key: reader });
    expect(status).toBe(200);
    expect(body).toMatchObject({ user_id: user, days: 3, earned: 637, lifetime_earned: 637, reversed: 0 });
    expect(body['by_day'].map((d: any) => d.earned)).toEqual([0, 7, 630]);
    expect(body['by_day'][2].day).toBe(body['to']);
    const byType = Object.fromEntries(body['by_type'].map((t: any) => [t.type, [t.transactions, t.earned]]));
    // daily_login: 50 for the login plus the 1-day streak milestone of 50.
    expect(byType).toEqual({ grant: [2, 507], daily_login: [1, 100], vision_request: [1, 20], text_request: [1, 10] });
    expect(body['limited']).toEqual([{ reason: 'rate_limited', reason_text: 'Too frequent: no points this time', count: 1 }]);

    const oneDay = await getJson(`/api/points/stats?user_id=${user}&days=1&lang=ru`, { key: reader });
    expect(oneDay.body['earned']).toBe(630);
    expect(oneDay.body['by_type'].find((t: any) => t.type === 'grant')).toMatchObject({ earned: 500, label: 'Начислено администратором' });
    expect(oneDay.body['by_type'].find((t: any) => t.type === 'text_request').label).toBe('Текстовый запрос');
    expect(oneDay.body['limited'][0].reason_text).toBe('Слишком часто: поинты не начислены');
  });

  it('is scoped to the Telegram user', async () => {
    const user = randomUser('tg');
    await grant(user, 40);
    const own = await getJson('/api/points/stats', asTelegram(user));
    expect(own).toMatchObject({ status: 200, body: { user_id: user, earned: 40, days: 30 } });
    expect((await getJson(`/api/points/stats?user_id=${randomUser()}`, asTelegram(user))).status).toBe(403);
  });
});

describe('GET /api/points/balance', () => {
  it("answers the user's balance and level, localized, for a key and for the Telegram user themselves", async () => {
    const user = randomUser('bal');
    await grant(user, 1_500);
    const { status, body } = await getJson(`/api/points/balance?user_id=${user}`, { key: reader });
    expect(status).toBe(200);
    expect(body).toMatchObject({ user_id: user, balance: 1_500, lifetime_earned: 1_500, level: 2, level_name: 'Trader', next_level_points: 3_500 });
    const telegram = await getJson('/api/points/balance', asTelegram(user, 'ru'));
    expect(telegram.body).toMatchObject({ user_id: user, balance: 1_500, level_name: 'Трейдер' });
    expect((await getJson(`/api/points/balance?user_id=${randomUser()}`, asTelegram(user))).status).toBe(403);
  });
});

describe('GET /api/points/history', () => {
  it('pages newest first with a cursor that stays stable while new events arrive', async () => {
    const user = randomUser('hist');
    for (let i = 1; i <= 5; i++) await apply({ kind: 'grant', idempotency_key: `h:${user}:${i}`, user_id: user, amount: i, reason: 'test' });
    const first = await getJson(`/api/points/history?user_id=${user}&limit=2`, { key: reader });
    expect(first.status).toBe(200);
    expect(first.body['items'].map((r: any) => r.idempotency_key)).toEqual([`h:${user}:5`, `h:${user}:4`]);
    // New events arrive between pages: they belong to a newer first page, not to the next one.
    for (let i = 6; i <= 8; i++) await apply({ kind: 'grant', idempotency_key: `h:${user}:${i}`, user_id: user, amount: i, reason: 'test' });
    const second = await getJson(`/api/points/history?user_id=${user}&limit=2&cursor=${first.body['next_cursor']}`, { key: reader });
    expect(second.body['items'].map((r: any) => r.idempotency_key)).toEqual([`h:${user}:3`, `h:${user}:2`]);
    const third = await getJson(`/api/points/history?user_id=${user}&limit=2&cursor=${second.body['next_cursor']}`, { key: reader });
    expect(third.body['items'].map((r: any) => r.idempotency_key)).toEqual([`h:${user}:1`]);
    expect(third.body['next_cursor']).toBeNull();
    expect(third.body['items'][0]).toMatchObject({ type: 'grant', status: 'applied', amount: 1, balance_before: 0, balance_after: 1, reason: null, reason_text: null });
    const fresh = await getJson(`/api/points/history?user_id=${user}&limit=3`, { key: reader });
    expect(fresh.body['items'].map((r: any) => r.idempotency_key)).toEqual([`h:${user}:8`, `h:${user}:7`, `h:${user}:6`]);
  });

  it('carries the reason code and its text on limited and rejected rows; a Telegram user sees only their own', async () => {
    const user = randomUser('hist');
    await apply({ kind: 'earn', idempotency_key: `r1:${user}`, user_id: user, activity: 'text_request', occurred_at: ago(10_000) });
    await apply({ kind: 'earn', idempotency_key: `r2:${user}`, user_id: user, activity: 'text_request', occurred_at: ago(9_000) });
    await apply({ kind: 'spend', idempotency_key: `r3:${user}`, user_id: user, amount: 10_000_000 });
    const { body } = await getJson(`/api/points/history?user_id=${user}`, { key: reader });
    expect(body['items'].map((r: any) => [r.idempotency_key, r.status, r.reason, r.reason_text])).toEqual([
      [`r3:${user}`, 'rejected', 'insufficient_funds', 'Not enough points'],
      [`r2:${user}`, 'applied', 'rate_limited', 'Too frequent: no points this time'],
      [`r1:${user}`, 'applied', null, null],
    ]);
    const russian = await getJson(`/api/points/history?user_id=${user}&lang=ru`, { key: reader });
    expect(russian.body['items'][0].reason_text).toBe('Недостаточно поинтов');
    const own = await getJson('/api/points/history?type=earn', asTelegram(user));
    expect(own.body['items'].map((r: any) => r.idempotency_key)).toEqual([`r2:${user}`, `r1:${user}`]);
    expect((await getJson(`/api/points/history?user_id=${randomUser()}`, asTelegram(user))).status).toBe(403);
  });
});

describe('GET /api/points/transactions/{key}', () => {
  it('answers applied and rejected with the recorded outcome, and 404 for a key never seen', async () => {
    const user = randomUser('tx');
    await grant(user, 10);
    const applied = await getJson(`/api/points/transactions/grant:${user}:10:`, { key: reader });
    expect(applied).toMatchObject({ status: 200, body: { status: 'applied', outcome: { amount: 10, balances: { points: 10 } } } });
    await apply({ kind: 'spend', idempotency_key: `big:${user}`, user_id: user, amount: 10_000_000 });
    const rejected = await getJson(`/api/points/transactions/big:${user}`, { key: reader });
    expect(rejected).toMatchObject({ status: 200, body: { status: 'rejected', reason: 'insufficient_funds' } });
    expect((await getJson(`/api/points/transactions/never:${user}`, { key: reader })).status).toBe(404);
  });

  it('answers queued while the event waits for a worker, then applied', async () => {
    const user = randomUser('tx');
    const event = { kind: 'earn' as const, idempotency_key: `queued:${user}`, user_id: user, activity: 'daily_login' };
    await engine.stopWorker();
    try {
      const sent = await engine.fetch('/api/points/events', { key: producer, method: 'POST', body: JSON.stringify(event) });
      expect(sent.status).toBe(202);
      const queued = await getJson(`/api/points/transactions/${event.idempotency_key}?user_id=${user}`, { key: reader });
      expect(queued).toMatchObject({ status: 200, body: { status: 'queued', job_state: 'waiting' } });
    } finally {
      engine.startWorker();
    }
    // The same event again joins the queued job and resolves with its outcome.
    expect(await apply(event)).toMatchObject({ status: 'applied', kind: 'earn' });
    expect((await getJson(`/api/points/transactions/${event.idempotency_key}`, { key: reader })).body).toMatchObject({ status: 'applied' });
  });

  it('answers failed with the reason for a payload the worker cannot apply', async () => {
    const user = randomUser('tx');
    const key = `failed:${user}`;
    const name = eventQueueName(partitionOf(user, engine.partitions));
    const queue = new Queue(name, { connection: { url: redisUrl() }, prefix: engine.prefix });
    const events = new QueueEvents(name, { connection: { url: redisUrl() }, prefix: engine.prefix });
    try {
      await events.waitUntilReady();
      const job = await queue.add('spend', { kind: 'spend', idempotency_key: key, user_id: user, amount: -5 }, { jobId: eventJobId(key) });
      await expect(job.waitUntilFinished(events)).rejects.toThrow(/invalid event payload/);
      for (const path of [`/api/points/transactions/${key}?user_id=${user}`, `/api/points/transactions/${key}`]) {
        const failed = await getJson(path, { key: reader });
        expect(failed.status).toBe(200);
        expect(failed.body).toMatchObject({ status: 'failed', attempts: 1 });
        expect(failed.body['reason']).toMatch(/invalid event payload: amount/);
      }
    } finally {
      await events.close();
      await queue.close();
    }
  });
});

describe('every read route: auth and input', () => {
  const routes: { path: string; bad: string; field: string; telegram: boolean }[] = [
    { path: '/api/points/balance?user_id=u1', bad: '/api/points/balance?user_id=no%20spaces', field: 'user_id', telegram: true },
    { path: '/api/points/history?user_id=u1', bad: '/api/points/history?user_id=u1&limit=0', field: 'limit', telegram: true },
    { path: '/api/points/transactions/some-key', bad: `/api/points/transactions/${'k'.repeat(201)}`, field: 'idempotency_key', telegram: false },
    { path: '/api/points/leaderboard', bad: '/api/points/leaderboard?period=year', field: 'period', telegram: true },
    { path: '/api/points/levels', bad: '/api/points/levels?lang=fr', field: 'lang', telegram: true },
    { path: '/api/points/stats?user_id=u1', bad: '/api/points/stats?user_id=u1&days=0', field: 'days', telegram: true },
    { path: '/api/points/earning-rules?user_id=u1', bad: '/api/points/earning-rules?user_id=u1&lang=fr', field: 'lang', telegram: true },
  ];

  for (const route of routes) {
    it(`${route.path.split('?')[0]}: 2xx with a reader key, 400 naming the field, 401 without a key, 403 with a producer key`, async () => {
      const ok = await engine.fetch(route.path, { key: reader });
      expect([200, 404]).toContain(ok.status);
      const bad = await getJson(route.bad, { key: reader });
      expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_request', field: route.field } });
      expect((await getJson(route.path)).body).toMatchObject({ error: 'unauthorized' });
      expect((await engine.fetch(route.path)).status).toBe(401);
      expect((await engine.fetch(route.path, { key: 'pe_000000000000.' + 'x'.repeat(43) })).status).toBe(401);
      const wrongScope = await getJson(route.path, { key: producer });
      expect(wrongScope).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    });

    it(`${route.path.split('?')[0]}: a forged or tampered Telegram initData is 401`, async () => {
      const forged = await engine.fetch(route.path, { headers: { 'x-telegram-init-data': initData('u1', 'en', '999:not-the-bot-token') } });
      expect(forged.status).toBe(401);
      const tampered = initData('u1').replace(encodeURIComponent('"u1"'), encodeURIComponent('"u2"'));
      expect(tampered).not.toBe(initData('u1'));
      expect((await engine.fetch(route.path, { headers: { 'x-telegram-init-data': tampered } })).status).toBe(401);
      if (route.telegram) {
        // The genuine initData is accepted where Telegram users may read.
        const genuine = await engine.fetch(route.path, { headers: { 'x-telegram-init-data': initData('u1') } });
        expect(genuine.status).toBe(200);
      } else {
        // Transaction status is for services only: initData is not a key.
        expect((await engine.fetch(route.path, { headers: { 'x-telegram-init-data': initData('u1') } })).status).toBe(401);
      }
    });
  }

  it('a key read without user_id is 400 naming user_id', async () => {
    for (const path of ['/api/points/balance', '/api/points/history', '/api/points/stats', '/api/points/earning-rules']) {
      expect(await getJson(path, { key: reader })).toMatchObject({ status: 400, body: { field: 'user_id' } });
    }
  });
});

describe('texts (libs/i18n)', () => {
  it('words every reason code in both languages, and notices with Russian plural forms', () => {
    for (const reason of OUTCOME_REASONS) {
      const [en, ru] = [reasonText(reason, 'en'), reasonText(reason, 'ru')];
      expect(en, reason).toMatch(/^[A-Z]/);
      expect(ru, reason).toMatch(/[А-Яа-яЁё]/);
      expect(ru, reason).not.toBe(en);
    }
    expect(reasonText('some_future_code', 'ru')).toBe('some_future_code');
    expect(reasonText(null, 'en')).toBeNull();
    const expiring = (amount: number) => noticeText({ type: 'points_expiring', amount, expires_on: '2031-01-08' }, 'ru', defaultProgram);
    expect([1, 3, 5, 11, 21, 22, 112].map(expiring)).toEqual([
      '1 поинт сгорит 2031-01-08.', '3 поинта сгорят 2031-01-08.', '5 поинтов сгорят 2031-01-08.', '11 поинтов сгорят 2031-01-08.',
      '21 поинт сгорит 2031-01-08.', '22 поинта сгорят 2031-01-08.', '112 поинтов сгорят 2031-01-08.',
    ]);
    expect(noticeText({ type: 'points_expiring', amount: 1, expires_on: '2031-01-08' }, 'en', defaultProgram)).toBe('1 point will expire on 2031-01-08.');
    expect(noticeText({ type: 'streak_milestone', streak: 7, bonus: 500 }, 'ru', defaultProgram)).toBe('Серия 7 дней подряд! Бонус +500 поинтов.');
    expect(noticeText({ type: 'streak_milestone', streak: 3, bonus: 150 }, 'en', defaultProgram)).toBe('3-day streak! Bonus +150 points.');
    expect(noticeText({ type: 'hold_lapsed', released: 40 }, 'en', defaultProgram)).toBe('A reservation expired: 40 returned to your balance.');
    expect(noticeText({ type: 'no_such_notice' }, 'en', defaultProgram)).toBeNull();
  });
});
