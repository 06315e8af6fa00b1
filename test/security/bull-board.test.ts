// Isolation: its own database and BullMQ prefix (startTestEngine, with a worker it stops and restarts); random user ids and job ids.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_JOB_OPTIONS, eventQueueName } from '@points-engine/jobs';
import { randomUser, redisUrl } from '../support/services.ts';
import { waitUntil } from '../support/wait.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';

let engine: TestEngine;
let basic: string;
let queue: Queue;
const QUEUE = eventQueueName(0);
beforeAll(async () => {
  engine = await startTestEngine();
  basic = `Basic ${Buffer.from(`operator:${await engine.key('admin')}`).toString('base64')}`;
  queue = new Queue(QUEUE, { connection: { url: redisUrl() }, prefix: engine.prefix });
});
afterAll(async () => {
  await queue.close();
  await engine.close();
});

const board = (path: string, init: { method: string; headers?: Record<string, string>; body?: string }) =>
  engine.fetch(`/admin/queues/api${path}`, { method: init.method, headers: { authorization: basic, ...init.headers }, ...(init.body !== undefined ? { body: init.body } : {}) });
/** What the board's own page sends: same origin, fetch metadata, no body. */
const sameOrigin = () => ({ origin: engine.url, 'sec-fetch-site': 'same-origin' });
const jobTotal = async () => Object.values(await queue.getJobCounts()).reduce((a, b) => a + b, 0);

describe('Bull Board is read, retry and clean only, and CSRF-safe (issue 10 item 10)', () => {
  it('refuses the attack from the issue: a cross-site text/plain POST with Basic credentials adding a grant job; nothing is added or applied', async () => {
    const user = randomUser('bb');
    const grant = { kind: 'grant', idempotency_key: `csrf:${user}`, user_id: user, amount: 1_000_000, reason: 'free money' };
    const before = await jobTotal();
    const attack = await board(`/queues/${QUEUE}/add`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body: JSON.stringify({ name: 'grant', data: grant, options: {} }),
    });
    expect(attack.status).toBe(403);
    // The same request from an old browser that sends neither Origin nor Sec-Fetch-Site.
    expect((await board(`/queues/${QUEUE}/add`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'grant', data: grant }) })).status).toBe(403);
    expect(await jobTotal()).toBe(before);
    // Give the worker every chance: a later event of the same user applies, the grant never does.
    await engine.client.spend({ kind: 'earn', idempotency_key: `after:${user}`, user_id: user, activity: 'daily_login' });
    expect(await engine.db.selectFrom('ledger_transactions').select('id').where('idempotency_key', '=', grant.idempotency_key).execute()).toEqual([]);
  });

  it('refuses adding or editing jobs even from its own page with JSON: add, update-data, priority, delay, promote, empty, obliterate, schedulers', async () => {
    const before = await jobTotal();
    const json = (body: unknown) => ({ headers: { ...sameOrigin(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const refused: [string, string, unknown][] = [
      ['POST', `/queues/${QUEUE}/add`, { name: 'grant', data: { kind: 'grant', idempotency_key: 'board-add', user_id: 'u1', amount: 5, reason: 'x' } }],
      ['PATCH', `/queues/${QUEUE}/some-job/update-data`, { data: { amount: 1e9 } }],
      ['PATCH', `/queues/${QUEUE}/some-job/priority`, { priority: 1 }],
      ['PATCH', `/queues/${QUEUE}/some-job/delay`, { delay: 0 }],
      ['PUT', `/queues/${QUEUE}/some-job/promote`, {}],
      ['PUT', `/queues/${QUEUE}/promote`, {}],
      ['PUT', `/queues/${QUEUE}/empty`, {}],
      ['PUT', `/queues/${QUEUE}/obliterate`, {}],
      ['PUT', `/queues/${QUEUE}/clean/wait`, {}],
      ['PUT', '/queues/maintenance/job-schedulers/cycle/run', {}],
      ['PATCH', '/queues/maintenance/job-schedulers/cycle', { pattern: '* * * * *' }],
      ['PUT', `/queues/${QUEUE}/concurrency`, { concurrency: 1 }],
    ];
    for (const [method, path, body] of refused) {
      const answer = await board(path, { method, ...json(body) });
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(await answer.json()).toMatchObject({ error: 'forbidden', message: expect.stringMatching(/read, retry and clean only/) });
    }
    expect(await jobTotal()).toBe(before);
  });

  it("keeps its own actions working: reads, retry of a failed job, pause and resume, clean of a job", async () => {
    expect((await board('/queues', { method: 'GET' })).status).toBe(200);
    // A job that fails as invalid (no idempotency key) lands in the failed set.
    const job = await queue.add('earn', { kind: 'earn', user_id: 'u1', activity: 'daily_login' }, { ...EVENT_JOB_OPTIONS, jobId: `bb-${randomUser()}` });
    await waitUntil('the invalid job failed', async () => ((await job.getState()) === 'failed' ? true : undefined));
    await engine.stopWorker();
    try {
      const retried = await board(`/queues/${QUEUE}/${job.id}/retry`, { method: 'PUT', headers: sameOrigin() });
      expect(retried.status, await retried.clone().text()).toBeGreaterThanOrEqual(200);
      expect(retried.status).toBeLessThan(300);
      expect(await job.getState()).toBe('waiting');
      expect((await board(`/queues/${QUEUE}/pause`, { method: 'PUT', headers: sameOrigin() })).ok).toBe(true);
      expect(await queue.isPaused()).toBe(true);
      expect((await board(`/queues/${QUEUE}/resume`, { method: 'PUT', headers: sameOrigin() })).ok).toBe(true);
      expect(await queue.isPaused()).toBe(false);
      // A JSON body from its own page is fine too.
      expect((await board(`/queues/${QUEUE}/${job.id}/clean`, { method: 'PUT', headers: { ...sameOrigin(), 'content-type': 'application/json' }, body: '{}' })).status).toBe(204);
      expect(await queue.getJob(job.id as string)).toBeUndefined();
    } finally {
      engine.startWorker();
    }
  });

  it('refuses its own actions when they come from another site', async () => {
    const attempts: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'null' }];
    for (const headers of attempts) {
      const answer = await board(`/queues/${QUEUE}/pause`, { method: 'PUT', headers });
      expect(answer.status, JSON.stringify(headers)).toBe(403);
    }
    expect(await queue.isPaused()).toBe(false);
  });
});
