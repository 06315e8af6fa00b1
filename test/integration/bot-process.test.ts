// Isolation: its own database and BullMQ prefix (startTestEngine), a fake Bot API server and a silent TCP server of its own on random ports; the bot runs as its real entry point in a child process.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../support/fake-telegram.ts';
import { spawnApp } from '../support/processes.ts';
import { redisUrl } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { waitUntil } from '../support/wait.ts';

let engine: TestEngine;
let telegram: FakeTelegram;
let env: Record<string, string>;
beforeAll(async () => {
  engine = await startTestEngine();
  telegram = new FakeTelegram();
  await telegram.start();
  env = {
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    ENGINE_URL: engine.url,
    ENGINE_READER_KEY: await engine.key('reader'),
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: engine.prefix,
    QUEUE_PARTITIONS: String(engine.partitions),
    BOT_STATE_PREFIX: `${engine.prefix}:bot`,
  };
}, 30_000);
afterAll(async () => {
  await telegram?.close();
  await engine?.close();
});

describe('the bot as a process (apps/bot/src/main.ts)', () => {
  it('polls, answers /start, earns the daily login, and stops cleanly on SIGTERM', async () => {
    const app = spawnApp('apps/bot/src/main.ts', env);
    try {
      // Both command menus set: boot is over and polling starts.
      await telegram.waitForCall((c) => c.method === 'setMyCommands' && c.params['language_code'] === 'ru', { timeoutMs: 45_000 });
      const user = { id: randomInt(1e9, 2e9), first_name: 'Pat', language_code: 'en' };
      const reply = telegram.nextReply(user.id);
      const { messageId } = telegram.message(user, '/start');
      expect((await reply).params['text']).toContain('Hi, Pat!');
      const key = `daily_login:${user.id}:${user.id}:${messageId}`;
      const recorded = await waitUntil(`transaction ${key}`, async () => {
        const response = await engine.fetch(`/api/points/transactions/${encodeURIComponent(key)}`, { key: env['ENGINE_READER_KEY'] as string });
        const body = (await response.json()) as { status?: string };
        return body.status === 'applied' ? body : undefined;
      });
      expect(recorded.status).toBe('applied');
      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
      expect(app.output()).toMatch(/"msg":"stopped"/);
    } finally {
      app.child.kill('SIGKILL');
    }
  }, 60_000);

  it('SIGTERM while it boots (the Bot API not answering yet): exit 0 with a log line', async () => {
    const sockets = new Set<Socket>();
    let connected!: () => void;
    const first = new Promise<void>((resolve) => (connected = resolve));
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      connected();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const app = spawnApp('apps/bot/src/main.ts', { ...env, TELEGRAM_API_ROOT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
    try {
      await Promise.race([first, app.exited.then(() => Promise.reject(new Error(`exited before calling the Bot API: ${app.output()}`)))]);
      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
      expect(app.output()).toMatch(/"msg":"SIGTERM during boot: exiting before taking any work"/);
    } finally {
      app.child.kill('SIGKILL');
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 60_000);

  it('a bad configuration: exit 1, one line per variable, no secret echoed', async () => {
    const app = spawnApp('apps/bot/src/main.ts', { ...env, TELEGRAM_BOT_TOKEN: 'not-a-token', ENGINE_READER_KEY: '', BOT_ADMIN_IDS: '42,mallory' });
    expect(await app.exited).toBe(1);
    const output = app.output();
    expect(output).toContain('TELEGRAM_BOT_TOKEN: a bot token from @BotFather (123456:ABC…) (got a value)');
    expect(output).toContain('ENGINE_READER_KEY: required (got nothing)');
    expect(output).toContain('BOT_ADMIN_IDS: Telegram user ids (digits), comma-separated (got "42,mallory")');
    expect(output).not.toContain('not-a-token');
  }, 60_000);
});
