// Isolation: its own database and BullMQ prefix (startTestEngine); the bot's Redis keys and payment queue live under that prefix too, its Bot API is a fake server on a random local port, users have random ids.
import { randomInt } from 'node:crypto';
import { request as httpRequest, createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { EngineApi, loadBotConfig, PaymentForwarder, startPointsBot, type RunningBot } from '@points-engine/bot';
import { defaultProgramInput, programSchema } from '@points-engine/domain';
import { BOT_EVENTS_QUEUE } from '@points-engine/jobs';
import { createLogger } from '@points-engine/logger';
import { startOutboxRelay, type RunningRelay } from '@points-engine/outbox';
import { FakeTelegram, type ApiCall, type FakeUser } from '../support/fake-telegram.ts';
import { redisUrl } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { waitUntil } from '../support/wait.ts';

const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
const STARS_SECRET = 'bot_test_stars_secret_0123456789';
// The default program without the free allowance, so a paid command draws on points and can run out.
const program = programSchema.parse({ ...defaultProgramInput, allowance: { ...defaultProgramInput.allowance, no_coiner_starter: 0 } });

let engine: TestEngine;
let relay: RunningRelay;
let telegram: FakeTelegram;
let bot: RunningBot;
let reader: string;
const admin: FakeUser = { id: randomInt(1e9, 2e9), first_name: 'Ada', language_code: 'en' };
const newUser = (language_code = 'en'): FakeUser => ({ id: randomInt(1e9, 2e9), first_name: 'Tess', language_code });

beforeAll(async () => {
  engine = await startTestEngine({ program, config: { TELEGRAM_STARS_WEBHOOK_SECRET: STARS_SECRET } });
  relay = startOutboxRelay({ db: engine.db, logger }, {
    REDIS_URL: redisUrl(), QUEUE_PREFIX: engine.prefix, BOT_EVENTS_ENABLED: true, OUTBOX_POLL_MS: 50, OUTBOX_BATCH_SIZE: 50,
    CALLBACK_URL: undefined, CALLBACK_SECRET: undefined, CALLBACK_ATTEMPTS: 1, CALLBACK_BACKOFF_MS: 100, CALLBACK_TIMEOUT_MS: 1_000, CALLBACK_CONCURRENCY: 1,
  });
  const [readerKey, adminKey] = await Promise.all([engine.key('reader'), engine.key('admin')]);
  reader = readerKey;
  telegram = new FakeTelegram();
  await telegram.start();
  const config = loadBotConfig({
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    ENGINE_URL: engine.url,
    ENGINE_READER_KEY: readerKey,
    ENGINE_ADMIN_KEY: adminKey,
    TELEGRAM_STARS_WEBHOOK_SECRET: STARS_SECRET,
    BOT_ADMIN_IDS: String(admin.id),
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: engine.prefix,
    QUEUE_PARTITIONS: String(engine.partitions),
    BOT_STATE_PREFIX: `${engine.prefix}:bot`,
    BOT_SPEND_TIMEOUT_MS: '3000',
  });
  bot = await startPointsBot(config, { program, logger });
  await bot.polling;
}, 30_000);
afterAll(async () => {
  await bot?.close();
  await telegram?.close();
  await relay?.close();
  await engine?.close();
});

/** Sends `text` as `user` and resolves with the bot's next message to them. */
async function say(user: FakeUser, text: string, method: 'sendMessage' | 'sendInvoice' = 'sendMessage'): Promise<ApiCall> {
  const reply = telegram.nextReply(user.id, method);
  telegram.message(user, text);
  return reply;
}
/** Presses an inline button on `message` and resolves with the edit the bot makes. */
async function press(user: FakeUser, message: ApiCall, data: string): Promise<ApiCall> {
  const edit = telegram.nextReply(user.id, 'editMessageText');
  const answered = telegram.waitForCall((c) => c.method === 'answerCallbackQuery', { since: telegram.calls.length });
  telegram.press(user, { message_id: 1, text: message.params['text'] }, data);
  await answered;
  return edit;
}
const buttons = (call: ApiCall): [string, string][] => (call.params['reply_markup']?.inline_keyboard ?? []).flat().map((b: { text: string; callback_data: string }) => [b.text, b.callback_data]);

async function balance(user: FakeUser) {
  const response = await engine.fetch(`/api/points/balance?user_id=${user.id}`, { key: reader });
  return (await response.json()) as { balance: number; credit: { available: number }; level: number; tier: string };
}
/** Fire-and-forget earnings land when the worker gets to them: wait for the recorded transaction. */
function landed(key: string) {
  return waitUntil(`transaction ${key}`, async () => {
    const response = await engine.fetch(`/api/points/transactions/${encodeURIComponent(key)}`, { key: reader });
    const body = (await response.json()) as { status?: string; outcome?: { amount: number } };
    return body.status === 'applied' || body.status === 'rejected' ? { status: body.status, amount: body.outcome?.amount } : undefined;
  });
}

describe('earning on each request kind', () => {
  it('/start, a text, a photo and /chart each earn their activity once, keyed by the message', async () => {
    const user = newUser();
    const ids: number[] = [];
    const id = () => ids.push(telegram.peekNextMessageId());
    id();
    const welcome = await say(user, '/start');
    expect(welcome.params['text']).toContain('Hi, Tess!');
    expect(welcome.params['text']).not.toContain('/points_grant');
    id();
    expect((await say(user, 'what is the price of TON?')).params['text']).toContain('demo answer');
    const photo = telegram.nextReply(user.id);
    id();
    telegram.serviceMessage(user, { photo: [{ file_id: 'f', file_unique_id: 'u', width: 1, height: 1 }] });
    expect((await photo).params['text']).toContain('Vision');
    id();
    expect((await say(user, '/chart eth')).params['text']).toContain('ETH');

    const [start, text, vision, chart] = ids.map((messageId) => `${user.id}:${user.id}:${messageId}`);
    expect(await landed(`daily_login:${start}`)).toMatchObject({ status: 'applied', amount: 100 }); // 50 + the 1-day streak bonus 50
    expect(await landed(`text_req:${text}`)).toMatchObject({ amount: 10 });
    expect(await landed(`vision_req:${vision}`)).toMatchObject({ amount: 20 });
    expect(await landed(`chart_req:${chart}`)).toMatchObject({ amount: 15 });
    // The login's streak milestone comes back from the engine as a message.
    const streak = await telegram.waitForCall((c) => c.method === 'sendMessage' && c.params['chat_id'] === String(user.id) && String(c.params['text']).includes('streak'));
    expect(streak.params['text']).toBe('1-day streak! Bonus +50 points.');
    expect((await balance(user)).balance).toBe(145);
  });

  it('/start ref_<id> pays the inviter the referral signup bonus, once', async () => {
    const inviter = newUser();
    const invited = newUser();
    await say(invited, `/start ref_${inviter.id}`);
    expect(await landed(`referral:${inviter.id}:${invited.id}`)).toMatchObject({ status: 'applied', amount: 500 });
    await say(invited, `/start ref_${inviter.id}`);
    expect((await balance(inviter)).balance).toBe(500);

    // Someone who already earned is no newcomer: their /start ref_… pays nobody.
    const regular = newUser();
    const other = newUser();
    const hello = telegram.peekNextMessageId();
    await say(regular, 'hello');
    await landed(`text_req:${regular.id}:${regular.id}:${hello}`);
    const start = telegram.peekNextMessageId();
    await say(regular, `/start ref_${other.id}`);
    await landed(`daily_login:${regular.id}:${regular.id}:${start}`);
    expect((await balance(other)).balance).toBe(0);
  });
});

describe('/points and its three buttons, /level, /leaderboard', () => {
  it('shows the balance; History, Rating and How to earn edit the message; Back returns', async () => {
    const user = newUser();
    const first = telegram.peekNextMessageId();
    await say(user, 'hello');
    await landed(`text_req:${user.id}:${user.id}:${first}`);

    const points = await say(user, '/points');
    expect(points.params['text']).toContain('💎 Your points: 10');
    expect(points.params['text']).toContain('🌱 Level 1: Beginner');
    expect(buttons(points)).toEqual([['📜 History', 'points:history'], ['🏆 Rating', 'points:rating'], ['📊 How to earn', 'points:earn']]);

    const history = await press(user, points, 'points:history');
    expect(history.params['text']).toMatch(/Recent transactions\n\d{4}-\d\d-\d\d Text request: \+10/);
    expect(buttons(history)).toEqual([['⬅️ Back', 'points:main']]);
    expect((await press(user, points, 'points:rating')).params['text']).toMatch(/\nYour place: \d+ \(10 points\)$/);
    const earn = (await press(user, points, 'points:earn')).params['text'] as string;
    expect(earn).toContain('• Text request: +10, every 5 s');
    expect(earn).toContain('• Daily login: +50, not claimed today: /start');
    expect(earn).toContain('Daily cap: 10,000, left today 9,990');
    expect(earn).toContain('Invite a friend: +500');
    expect((await press(user, points, 'points:main')).params['text']).toContain('💎 Your points: 10');

    expect((await say(user, '/level')).params['text']).toMatch(/▶️ 🌱 1\. Beginner: from 0, ×1\n {3}📈 2\. Trader: from 1,000, ×1\.1/);
    expect((await say(user, '/leaderboard')).params['text']).toContain('🏆 Rating (this week)');
    expect((await say(user, '/stats')).params['text']).toBe('📊 Last 7 days: earned 10 points\n• Text request: +10 (1×)');
  });

  it('speaks Russian to a user whose Telegram language is ru', async () => {
    const user = newUser('ru');
    const points = await say(user, '/points');
    expect(points.params['text']).toContain('💎 Ваши поинты: 0');
    expect(points.params['text']).toContain('Новичок');
    expect(buttons(points).map(([text]) => text)).toEqual(['📜 История', '🏆 Рейтинг', '📊 Как заработать']);
    expect((await press(user, points, 'points:earn')).params['text']).toContain('• Текстовый запрос: +10, раз в 5 с');
    expect((await say(user, '/image')).params['text']).toContain('❌ Недостаточно поинтов');
  });
});

describe('a paid command: every outcome of the spend', () => {
  it('rejected for insufficient funds, then applied with the new balance after an admin grant', async () => {
    const user = newUser();
    const rejected = (await say(user, '/image')).params['text'] as string;
    expect(rejected).toBe('❌ Not enough points. Earn more with requests and daily logins (/points → 📊 How to earn), or top up with /buy.');

    expect((await say(admin, `/points_grant ${user.id} 100 welcome gift`)).params['text']).toBe(`✅ Granted 100 points to ${user.id}. Balance: 100`);
    // The default image price: 2 per second, 10 seconds.
    expect((await say(user, '/image a cat')).params['text']).toContain('Charged 20. Left: ⚡ 0 allowance, 🔋 0 credit, 💎 80 points.');
    expect((await balance(user)).balance).toBe(80);
  });

  it('answers "still working" when no outcome comes in time, and the spend is applied later', async () => {
    const user = newUser();
    await engine.client.spend({ kind: 'grant', idempotency_key: `seed:${user.id}`, user_id: String(user.id), asset: 'points', amount: 50, reason: 'test' });
    await engine.stopWorker();
    const key = `image:${user.id}:${user.id}:${telegram.peekNextMessageId()}`;
    try {
      expect((await say(user, '/image')).params['text']).toContain('⏳ Still working on it');
    } finally {
      engine.startWorker();
    }
    expect(await landed(key)).toMatchObject({ status: 'applied', amount: 20 });
  });

  it('a key already used for another payload: a clear line, nothing charged twice', async () => {
    const user = newUser();
    await engine.client.spend({ kind: 'grant', idempotency_key: `seed:${user.id}`, user_id: String(user.id), asset: 'points', amount: 50, reason: 'test' });
    const key = `image:${user.id}:${user.id}:${telegram.peekNextMessageId()}`;
    await engine.client.spend({ kind: 'spend', idempotency_key: key, user_id: String(user.id), amount: 7 });
    expect((await say(user, '/image')).params['text']).toContain('already made with different details');
    expect((await balance(user)).balance).toBe(43);
  });
});

describe('admin commands', () => {
  it('refuses them to users not in BOT_ADMIN_IDS, and grants nothing', async () => {
    const user = newUser();
    for (const command of [`/points_grant ${user.id} 1000`, '/points_analytics', '/points_config', `/points_user ${user.id}`, `/points_deduct ${user.id} 5`]) {
      expect((await say(user, command)).params['text'], command).toBe('⛔ This command is for administrators.');
    }
    expect((await balance(user)).balance).toBe(0);
  });

  it('analytics, config, a user, deduct (never below zero), usage lines', async () => {
    const user = newUser();
    await say(admin, `/points_grant ${user.id} 300`);
    expect((await say(admin, '/points_analytics')).params['text']).toMatch(/📈 Points analytics\nUsers: \d+/);
    expect((await say(admin, '/points_config')).params['text']).toContain('• text_request: 10, every 5 s');
    const view = (await say(admin, `/points_user ${user.id}`)).params['text'] as string;
    expect(view).toContain(`👤 User ${user.id}`);
    expect(view).toContain('💎 Your points: 300');
    expect(view).toContain(`Granted by an operator: +300 `.trim());
    expect((await say(admin, `/points_deduct ${user.id} 120 abuse`)).params['text']).toBe(`✅ Deducted 120 points from ${user.id}. Balance: 180`);
    expect((await say(admin, `/points_deduct ${user.id} 1000`)).params['text']).toBe(`❌ deduct for ${user.id} rejected: Not enough points`);
    expect((await say(admin, '/points_grant nobody')).params['text']).toBe('Usage: /points_grant <user_id> <amount> [reason]');
    expect((await say(admin, '/points_user 999999999999')).params['text']).toBe('User 999999999999 has no points record.');
    expect((await balance(user)).balance).toBe(180);
  });
});

describe('engine events become messages', () => {
  it('a level-up reaches the user in their language, once per event_id', async () => {
    const user = newUser('ru');
    await say(user, '/points'); // the bot learns the user's language
    const message = telegram.waitForCall((c) => c.method === 'sendMessage' && c.params['chat_id'] === String(user.id), { since: telegram.calls.length });
    await say(admin, `/points_grant ${user.id} 1500`);
    expect((await message).params['text']).toBe('Новый уровень 2: 📈 Трейдер!');

    // The relay delivers at least once: the same event again (another job) is not sent twice.
    const row = await engine.db.selectFrom('outbox').selectAll().where('user_id', '=', String(user.id)).where('type', '=', 'level_up').executeTakeFirstOrThrow();
    const queue = new Queue(BOT_EVENTS_QUEUE, { connection: { url: redisUrl() }, prefix: engine.prefix });
    const events = new QueueEvents(BOT_EVENTS_QUEUE, { connection: { url: redisUrl() }, prefix: engine.prefix });
    try {
      await events.waitUntilReady();
      const before = telegram.calls.length;
      const again = await queue.add('level_up', { event_id: row.event_id, type: 'level_up', user_id: String(user.id), payload: row.payload, created_at: row.created_at.toISOString() }, { jobId: `again-${row.event_id}` });
      expect(await again.waitUntilFinished(events, 15_000)).toBe('duplicate');
      expect(telegram.calls.slice(before).filter((c) => c.method === 'sendMessage' && c.params['chat_id'] === String(user.id))).toEqual([]);
    } finally {
      await events.close();
      await queue.close();
    }
  });
});

describe('Telegram Stars', () => {
  it('/buy lists the catalogue, sends the invoice, checks the pre-checkout, forwards the payment and the engine credits it', async () => {
    const user = newUser();
    const menu = await say(user, '/buy');
    expect(buttons(menu)).toContainEqual(['Credit pack small · 100 ⭐', 'buy:pack:small']);
    expect(buttons(menu)).toContainEqual(['PREMIUM subscription · 350 ⭐', 'buy:sub:PREMIUM']);

    const invoice = telegram.nextReply(user.id, 'sendInvoice');
    telegram.press(user, { message_id: 1 }, 'buy:pack:small');
    expect((await invoice).params).toMatchObject({ payload: 'pack:small', currency: 'XTR', prices: [{ amount: 100 }], description: '+1,000 credit' });

    const underpaid = telegram.waitForCall((c) => c.method === 'answerPreCheckoutQuery' && c.params['pre_checkout_query_id'] === 'pcq-x', { since: telegram.calls.length });
    telegram.push({ pre_checkout_query: { id: 'pcq-x', from: { is_bot: false, ...user }, currency: 'XTR', total_amount: 99, invoice_payload: 'pack:small' } });
    expect((await underpaid).params).toMatchObject({ ok: false });
    const id = telegram.preCheckout(user, 'pack:small', 100);
    expect((await telegram.waitForCall((c) => c.method === 'answerPreCheckoutQuery' && c.params['pre_checkout_query_id'] === id)).params['ok']).toBe(true);

    const thanks = telegram.nextReply(user.id);
    const credited = telegram.waitForCall((c) => c.method === 'sendMessage' && c.params['chat_id'] === String(user.id) && String(c.params['text']).startsWith('Purchase applied'), { since: telegram.calls.length });
    const charge = `stx_${user.id}`;
    telegram.serviceMessage(user, { successful_payment: { currency: 'XTR', total_amount: 100, invoice_payload: 'pack:small', telegram_payment_charge_id: charge, provider_payment_charge_id: '' } });
    expect((await thanks).params['text']).toContain('Payment received');
    expect((await credited).params['text']).toBe('Purchase applied: +1000 Charge.');
    expect((await balance(user)).credit.available).toBe(1_000);
    expect(await landed(`stars:${charge}`)).toMatchObject({ status: 'applied' });
  });

  it('tells the buyer when the engine rejects a payment (underpaid), and credits nothing', async () => {
    const user = newUser();
    const told = telegram.waitForCall((c) => c.method === 'sendMessage' && c.params['chat_id'] === user.id && String(c.params['text']).includes('could not be credited'), { since: telegram.calls.length });
    telegram.serviceMessage(user, { successful_payment: { currency: 'XTR', total_amount: 50, invoice_payload: 'pack:small', telegram_payment_charge_id: `stx_low_${user.id}`, provider_payment_charge_id: '' } });
    expect((await told).params['text']).toMatch(/^⚠️ Your payment was received but could not be credited: .+\. Please contact support\.$/);
    expect((await balance(user)).credit.available).toBe(0);
  });
});

describe('the payment forwarder', () => {
  it('keeps a payment until the engine takes it: retried through 503s, credited once', async () => {
    // An engine that answers 503 twice, then is itself again.
    let refusals = 2;
    const flaky = createHttpServer((req, res) => {
      if (refusals-- > 0) return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable","message":"down"}');
      const target = new URL(engine.url);
      const upstream = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const connection = new Redis(redisUrl(), { maxRetriesPerRequest: null, connectionName: `${engine.prefix}:forwarder-test` });
    const forwarder = new PaymentForwarder({
      connection, prefix: `${engine.prefix}:fwd`, logger, backoffMs: 50,
      engine: new EngineApi({ url: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`, readerKey: reader, starsSecret: STARS_SECRET }),
    });
    const answers: string[] = [];
    const user = newUser();
    const charge = `stx_fwd_${user.id}`;
    try {
      const done = new Promise<void>((resolve) => forwarder.start(async (_forward, answer) => void (answers.push(answer.status), resolve())));
      const payment = { currency: 'XTR', total_amount: 100, invoice_payload: 'pack:small', telegram_payment_charge_id: charge };
      await forwarder.enqueue({ user_id: String(user.id), chat_id: user.id, lang: 'en', kind: 'successful_payment', payment });
      // The same update delivered twice is one job.
      await forwarder.enqueue({ user_id: String(user.id), chat_id: user.id, lang: 'en', kind: 'successful_payment', payment });
      await done;
      expect(answers).toEqual(['queued']);
      expect(refusals).toBeLessThan(0);
      expect(await landed(`stars:${charge}`)).toMatchObject({ status: 'applied' });
      expect((await balance(user)).credit.available).toBe(1_000);
    } finally {
      await forwarder.close();
      connection.disconnect();
      await new Promise((resolve) => flaky.close(resolve));
    }
  });
});
