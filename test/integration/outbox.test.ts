// Isolation: its own database and BullMQ prefix (startTestEngine); relays run in this process or as the real worker entry point on that database/prefix, one at a time.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { onBotEvent, type BotEvent, type BotEventSubscription } from '@points-engine/client';
import { BOT_EVENTS_QUEUE, CALLBACKS_QUEUE } from '@points-engine/jobs';
import { createLogger } from '@points-engine/logger';
import { OutboxRelay, QueuePublisher, startOutboxRelay, type OutboxPublisher, type RelayConfig } from '@points-engine/outbox';
import { randomUser, redisUrl } from '../support/services.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { spawnApp } from '../support/processes.ts';
import { startRedisProxy, type Cut } from '../support/tcp-proxy.ts';
import { waitUntil } from '../support/wait.ts';

const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

/** What the bot received, by event id; `waitFor` resolves when the consumer's handler sees it. */
class Inbox {
  readonly events: BotEvent[] = [];
  private readonly waiters = new Map<string, (event: BotEvent) => void>();
  readonly handle = (event: BotEvent): void => {
    this.events.push(event);
    this.waiters.get(event.event_id)?.(event);
  };
  waitFor(eventId: string): Promise<BotEvent> {
    const seen = this.events.find((e) => e.event_id === eventId);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => this.waiters.set(eventId, resolve));
  }
  count(eventId: string): number {
    return this.events.filter((e) => e.event_id === eventId).length;
  }
}

let engine: TestEngine;
let inbox: Inbox;
let consumer: BotEventSubscription;
let botEvents: Queue;
beforeAll(async () => {
  engine = await startTestEngine({ partitions: 2 });
  inbox = new Inbox();
  consumer = onBotEvent({ redisUrl: redisUrl(), prefix: engine.prefix }, inbox.handle);
  botEvents = new Queue(BOT_EVENTS_QUEUE, { connection: { url: redisUrl() }, prefix: engine.prefix });
});
afterAll(async () => {
  await consumer.close();
  await botEvents.close();
  await engine.close();
});

const relayConfig = (overrides: Partial<RelayConfig> = {}): RelayConfig => ({
  REDIS_URL: redisUrl(),
  QUEUE_PREFIX: engine.prefix,
  BOT_EVENTS_ENABLED: true,
  OUTBOX_POLL_MS: 50,
  OUTBOX_BATCH_SIZE: 50,
  CALLBACK_URL: undefined,
  CALLBACK_SECRET: undefined,
  CALLBACK_ATTEMPTS: 5,
  CALLBACK_BACKOFF_MS: 100,
  CALLBACK_TIMEOUT_MS: 5_000,
  CALLBACK_CONCURRENCY: 4,
  ...overrides,
});

/** A real event that crosses level 2 (1 000 lifetime points): the ledger writes a level_up row with it. */
async function levelUp(user: string) {
  const outcome = await engine.client.spend({ kind: 'grant', idempotency_key: `lvl:${user}`, user_id: user, asset: 'points', amount: 1_500, reason: 'outbox test' });
  expect(outcome.status).toBe('applied');
  return engine.db.selectFrom('outbox').selectAll().where('user_id', '=', user).where('type', '=', 'level_up').executeTakeFirstOrThrow();
}

const outboxRow = (eventId: string) => engine.db.selectFrom('outbox').selectAll().where('event_id', '=', eventId).executeTakeFirstOrThrow();

/** True while another transaction (the relay's) holds the row's lock. */
const isLocked = (id: string) =>
  engine.db.transaction().execute(async (tx) => (await sql`SELECT id FROM outbox WHERE id = ${id} FOR UPDATE SKIP LOCKED`.execute(tx)).rows.length === 0);

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A local callback receiver answering each request with the next status (the last one repeats). */
async function startReceiver(statuses: number[]): Promise<{ server: Server; url: string; requests: Received[]; next: () => Promise<Received> }> {
  const requests: Received[] = [];
  const waiters: ((request: Received) => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = statuses[Math.min(requests.length, statuses.length - 1)] as number;
      const received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status };
      requests.push(received);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try again');
      waiters[requests.length - 1]?.(received);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let index = 0;
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/points`,
    requests,
    next: () => {
      const at = index++;
      const already = requests[at];
      return already ? Promise.resolve(already) : new Promise((resolve) => (waiters[at] = resolve));
    },
  };
}

const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('events back to the bot: bot-events queue', () => {
  it('a level-up written by a real event reaches a bot-events consumer with its event id', async () => {
    const relay = startOutboxRelay({ db: engine.db, logger }, relayConfig());
    try {
      const user = randomUser('lvl');
      const row = await levelUp(user);
      const event = await inbox.waitFor(row.event_id);
      expect(event).toEqual({
        event_id: row.event_id,
        type: 'level_up',
        user_id: user,
        // Typed by the client: the type's fields (the envelope carries type and user id).
        payload: { from: 1, to: 2, idempotency_key: `lvl:${user}` },
        created_at: row.created_at.toISOString(),
      });
      const job = await botEvents.getJob(row.event_id);
      expect(job?.name).toBe('level_up');
      // The consumer may see the job before the relay's transaction commits (that is at least once).
      await waitUntil('the delivery to be recorded', async () => (await outboxRow(row.event_id)).delivered_at ?? undefined);
    } finally {
      await relay.close();
    }
  });

  it('several relays share the rows (SKIP LOCKED): each row is published by exactly one of them', async () => {
    const before = await engine.db.selectFrom('outbox').select('id').where('delivered_at', 'is', null).execute();
    expect(before).toEqual([]);
    await sql`INSERT INTO outbox (type, user_id, payload) SELECT 'streak_milestone', 'many_' || g, jsonb_build_object('streak', g, 'bonus', 0, 'idempotency_key', 'many:' || g) FROM generate_series(1, 300) g`.execute(engine.db);
    const published: string[] = [];
    const connection = new Redis(redisUrl(), { connectionName: `${engine.prefix}:test-publisher` });
    const real = new QueuePublisher({ connection, prefix: engine.prefix, botEvents: true });
    const counting: OutboxPublisher = {
      publish: async (events) => {
        await real.publish(events);
        published.push(...events.map((e) => e.event_id));
      },
      close: () => real.close(),
    };
    const relays = [1, 2, 3].map(() => new OutboxRelay({ db: engine.db, publisher: counting, logger }, { batchSize: 20 }));
    try {
      const drain = async (relay: OutboxRelay) => {
        let total = 0;
        for (let n = await relay.runOnce(); n > 0; n = await relay.runOnce()) total += n;
        return total;
      };
      const totals = await Promise.all(relays.map(drain));
      expect(totals.reduce((a, b) => a + b, 0)).toBe(300);
      expect(published).toHaveLength(300);
      expect(new Set(published).size).toBe(300);
      const left = await engine.db.selectFrom('outbox').select('id').where('delivered_at', 'is', null).execute();
      expect(left).toEqual([]);
      for (const id of published.slice(0, 5)) expect((await botEvents.getJob(id))?.name).toBe('streak_milestone');
    } finally {
      await counting.close();
      connection.disconnect();
    }
  });

  it('a type the client does not know arrives as `unknown` with its real type; a payload that does not fit its type fails as unrecoverable, kept', async () => {
    const listener = new QueueEvents(BOT_EVENTS_QUEUE, { connection: { url: redisUrl() }, prefix: engine.prefix });
    try {
      await listener.waitUntilReady();
      const envelope = (type: string, payload: Record<string, unknown>) => ({ event_id: randomUUID(), type, user_id: randomUser('typed'), payload, created_at: new Date().toISOString() });
      const future = envelope('badge_earned', { badge: 'gold' });
      await botEvents.add(future.type, future, { jobId: future.event_id });
      expect(await inbox.waitFor(future.event_id)).toEqual({ ...future, type: 'unknown', unknown_type: 'badge_earned' });

      const broken = envelope('level_up', { from: 'one', to: 2, idempotency_key: 'k' });
      const job = await botEvents.add(broken.type, broken, { jobId: broken.event_id, attempts: 5 });
      await expect(job.waitUntilFinished(listener, 20_000)).rejects.toThrow(/invalid bot event: invalid level_up payload: from:/);
      const failed = await botEvents.getJob(broken.event_id);
      expect(await failed?.getState()).toBe('failed');
      expect(failed?.attemptsMade).toBe(1);
      expect(inbox.count(broken.event_id)).toBe(0);
    } finally {
      await listener.close();
    }
  });

  it('a publish Redis did not accept leaves the rows undelivered and counts the error', async () => {
    const user = randomUser('refused');
    const row = await levelUp(user);
    const refusing: OutboxPublisher = {
      publish: async () => {
        throw new Error('READONLY You can not write against a read only replica');
      },
      close: async () => undefined,
    };
    const relay = new OutboxRelay({ db: engine.db, publisher: refusing, logger });
    await expect(relay.runOnce()).rejects.toThrow(/READONLY/);
    const after = await outboxRow(row.event_id);
    expect(after.delivered_at).toBeNull();
    expect(after.publish_errors).toBe(1);
    expect(after.last_error).toMatch(/READONLY/);
    // The next relay that works delivers it, under the same event id.
    const working = startOutboxRelay({ db: engine.db, logger }, relayConfig());
    try {
      expect((await inbox.waitFor(row.event_id)).user_id).toBe(user);
    } finally {
      await working.close();
    }
    expect((await outboxRow(row.event_id)).delivered_at).toBeInstanceOf(Date);
  });
});

describe('events back to the bot: signed HTTP callbacks', () => {
  const secret = 'callback-secret-for-the-test-0123';
  const expectedSignature = (body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  it('arrives signed, with its event id, and is retried after the receiver answers 500', async () => {
    const receiver = await startReceiver([500, 200]);
    const relay = startOutboxRelay({ db: engine.db, logger }, relayConfig({ BOT_EVENTS_ENABLED: false, CALLBACK_URL: receiver.url, CALLBACK_SECRET: secret }));
    const events = new QueueEvents(CALLBACKS_QUEUE, { connection: { url: redisUrl() }, prefix: engine.prefix });
    const callbacks = new Queue(CALLBACKS_QUEUE, { connection: { url: redisUrl() }, prefix: engine.prefix });
    try {
      await events.waitUntilReady();
      const user = randomUser('cb');
      const row = await levelUp(user);
      const first = await receiver.next();
      const second = await receiver.next();
      expect([first.status, second.status]).toEqual([500, 200]);
      for (const [attempt, request] of [first, second].entries()) {
        expect(request.headers['x-points-event-id']).toBe(row.event_id);
        expect(request.headers['x-points-event-type']).toBe('level_up');
        expect(request.headers['x-points-delivery-attempt']).toBe(String(attempt + 1));
        expect(request.headers['content-type']).toBe('application/json');
        expect(request.headers['x-points-signature']).toBe(expectedSignature(request.body));
        expect(JSON.parse(request.body)).toEqual({
          event_id: row.event_id,
          type: 'level_up',
          user_id: user,
          payload: { type: 'level_up', userId: user, from: 1, to: 2, idempotency_key: `lvl:${user}` },
          created_at: row.created_at.toISOString(),
        });
      }
      expect(second.body).toBe(first.body);
      const job = await callbacks.getJob(row.event_id);
      expect(await job?.waitUntilFinished(events, 20_000)).toEqual({ status: 200, attempt: 2 });
      const after = await outboxRow(row.event_id);
      expect(after.callback_attempts).toBe(2);
      expect(after.callback_delivered_at).toBeInstanceOf(Date);
      expect(after.callback_last_error).toBe('HTTP 500');
      // BOT_EVENTS_ENABLED=false: nothing went to the bot-events queue.
      expect(await botEvents.getJob(row.event_id)).toBeUndefined();
      // Operators see both queues in Bull Board (failed callbacks can be retried there).
      const board = await engine.fetch('/admin/queues/api/queues', { key: await engine.key('admin') });
      expect(board.status).toBe(200);
      const names = ((await board.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
      expect(names).toEqual(expect.arrayContaining([CALLBACKS_QUEUE, BOT_EVENTS_QUEUE]));
    } finally {
      await relay.close();
      await events.close();
      await callbacks.close();
      await closeServer(receiver.server);
    }
  });

  it('gives up after CALLBACK_ATTEMPTS and leaves the job failed with the reason', async () => {
    const receiver = await startReceiver([503]);
    const relay = startOutboxRelay({ db: engine.db, logger }, relayConfig({ BOT_EVENTS_ENABLED: false, CALLBACK_URL: receiver.url, CALLBACK_SECRET: secret, CALLBACK_ATTEMPTS: 3, CALLBACK_BACKOFF_MS: 20 }));
    const events = new QueueEvents(CALLBACKS_QUEUE, { connection: { url: redisUrl() }, prefix: engine.prefix });
    const callbacks = new Queue(CALLBACKS_QUEUE, { connection: { url: redisUrl() }, prefix: engine.prefix });
    try {
      await events.waitUntilReady();
      const row = await levelUp(randomUser('cbfail'));
      const job = await waitUntil('the callback job', async () => (await callbacks.getJob(row.event_id)) ?? undefined);
      await expect(job.waitUntilFinished(events, 20_000)).rejects.toThrow(/HTTP 503/);
      expect(receiver.requests.filter((r) => r.headers['x-points-event-id'] === row.event_id)).toHaveLength(3);
      expect(await (await callbacks.getJob(row.event_id))?.getState()).toBe('failed');
      const after = await outboxRow(row.event_id);
      expect(after.callback_attempts).toBe(3);
      expect(after.callback_delivered_at).toBeNull();
      expect(after.callback_last_error).toBe('HTTP 503');
    } finally {
      await relay.close();
      await events.close();
      await callbacks.close();
      await closeServer(receiver.server);
    }
  });
});

describe('the outbox survives a relay crash between commit and delivery', () => {
  const cases: [Cut, string][] = [
    ['drop-request', 'killed before Redis saw the publish'],
    ['drop-reply', 'killed after Redis accepted the publish but before the delivery was recorded'],
  ];
  it.each(cases)('%s: %s — a restarted worker delivers it once, with the same event id', async (cut) => {
    // The ledger commits the level-up and its outbox row; no relay runs yet, so it waits undelivered.
    const user = randomUser(`crash_${cut.replace('-', '_')}`);
    const row = await levelUp(user);
    expect(row.delivered_at).toBeNull();

    const proxy = await startRedisProxy(redisUrl(), { marker: row.event_id, cut });
    const env = { DATABASE_URL: engine.databaseUrl, QUEUE_PREFIX: engine.prefix, QUEUE_PARTITIONS: String(engine.partitions), OUTBOX_POLL_MS: '100' };
    const first = spawnApp('apps/worker/src/main.ts', { ...env, REDIS_URL: proxy.url });
    try {
      const exitedEarly = first.exited.then((code) => {
        throw new Error(`the worker exited (${code}) before publishing:\n${first.output()}`);
      });
      await Promise.race([proxy.tripped, exitedEarly]);
      if (cut === 'drop-reply') {
        await waitUntil('Redis to hold the job', async () => ((await botEvents.getJob(row.event_id)) ? true : undefined));
      } else {
        expect(await botEvents.getJob(row.event_id)).toBeUndefined();
      }
      // The relay is inside its claiming transaction: the row is locked and not marked.
      expect(await isLocked(row.id)).toBe(true);
      expect((await outboxRow(row.event_id)).delivered_at).toBeNull();
      first.child.kill('SIGKILL');
      await first.exited;
    } finally {
      first.child.kill('SIGKILL');
      await proxy.close();
    }

    // After the crash PostgreSQL still has the row undelivered (the claim rolled back with the connection).
    await waitUntil('the dead relay to release the row', async () => ((await isLocked(row.id)) ? undefined : true));
    expect((await outboxRow(row.event_id)).delivered_at).toBeNull();

    const second = spawnApp('apps/worker/src/main.ts', { ...env, REDIS_URL: redisUrl() });
    try {
      await waitUntil('the restarted relay to deliver the row', async () => ((await outboxRow(row.event_id)).delivered_at ? true : undefined));
      const event = await inbox.waitFor(row.event_id);
      expect(event).toMatchObject({ event_id: row.event_id, type: 'level_up', user_id: user, payload: { from: 1, to: 2 } });
      await waitUntil('bot-events to drain', async () => {
        const counts = await botEvents.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(counts).every((n) => n === 0) ? true : undefined;
      });
      // Delivered once: a re-publish of a job that still exists (job id = event id) adds nothing.
      expect(inbox.count(row.event_id)).toBe(1);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
    expect(second.output()).toMatch(/outbox relay started/);
  });
});
