// Isolation: a database of its own (cloned from the template) and a BullMQ prefix of its own for the processes it starts (spawnApp), a temp working directory for .env; every process is stopped and the prefix cleared at the end.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '@points-engine/auth';
import { clearPrefix, createTestDatabase, redisUrl, uniquePrefix } from '../support/services.ts';
import { spawnApp, type EngineProcess } from '../support/processes.ts';
import { waitUntil } from '../support/wait.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
const prefix = uniquePrefix();
const started: EngineProcess[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'pe-first-run-'));
});
afterAll(async () => {
  for (const app of started) app.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
  await clearPrefix(prefix);
  await database.close();
});

const env = () => ({
  DATABASE_URL: database.url, REDIS_URL: redisUrl(), QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: '2', HOST: '127.0.0.1', PORT: '0',
  REDIS_DURABILITY: 'warn', LOG_LEVEL: 'info', LOG_FORMAT: undefined, HEALTH_PORT: undefined, PROGRAM_FILE: undefined,
});
function start(entry: string, overrides: Record<string, string | undefined>, cwd?: string): EngineProcess {
  const app = spawnApp(entry, { ...env(), ...overrides }, [], cwd ? { cwd } : {});
  started.push(app);
  return app;
}
const until = (app: EngineProcess, what: string, pattern: RegExp) =>
  waitUntil(what, async () => {
    if (app.child.exitCode !== null) throw new Error(`exited ${app.child.exitCode} before ${what}: ${app.output()}`);
    return pattern.exec(app.output()) ?? undefined;
  }, 90_000);
async function stop(app: EngineProcess): Promise<number | null> {
  app.child.kill('SIGTERM');
  return app.exited;
}

describe('npm start on a terminal: pretty logs and the banner (issue 13 item 7)', () => {
  it('reads LOG_FORMAT from .env, prints the banner once ready, and logs a request as one short line without headers', async () => {
    // The .env asks for pretty logs: stdout is a pipe here, so without it the logs would be JSON.
    await writeFile(join(dir, '.env'), '# read at start\nLOG_FORMAT=pretty\n');
    const { id, key } = await createApiKey(database.db, 'first-run', ['reader']);
    const engine = start('apps/engine/src/main.ts', {}, dir);
    const banner = await until(engine, 'the banner', /points-engine engine is ready: api, worker, scheduler\n\n {2}API +(http:\/\/127\.0\.0\.1:\d+)\n/);
    const api = banner[1] as string;
    const text = engine.output();
    expect(text).toContain(`  API docs    ${api}/api/docs\n`);
    expect(text).toContain(`  Bull Board  ${api}/admin/queues  (an admin key as the password)\n`);
    expect(text).toContain(`  PostgreSQL  ${database.url}\n`);
    expect(text).toContain(`  .env        ${join(dir, '.env')}  (variables already set in the environment win)\n`);
    expect(text).toContain('    npm run keys -- create --name my-bot --scopes producer,reader\n');
    // Every log line is a human one: no JSON records.
    expect(text.split('\n').filter((line) => line.startsWith('{'))).toEqual([]);
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(engine\): api listening/m);

    const answer = await fetch(`${api}/api/points/balance?user_id=first_run`, { headers: { 'x-api-key': key, 'user-agent': 'first-run-test' } });
    expect(answer.status).toBe(200);
    const line = await until(engine, 'the request line', /^.*INFO \(engine\): GET \/api\/points\/balance\?user_id=first_run 200 [\d.]+ ms key [a-f0-9]{12}$/m);
    expect(line[0]).toContain(`key ${id}`);
    expect(engine.output()).not.toMatch(/x-api-key|first-run-test|user-agent|"headers"/);
    expect(engine.output()).not.toContain(key);

    expect(await stop(engine)).toBe(0);
    expect(engine.output()).toMatch(/INFO \(engine\): stopped$/m);
  }, 150_000);
});

describe('the API in a container (stdout not a terminal): JSON lines', () => {
  it('every stdout line is one JSON record; the banner is one "ready" record; the request line keeps its headers, the key redacted', async () => {
    const { key } = await createApiKey(database.db, 'json-logs', ['reader']);
    const api = start('apps/api/src/main.ts', {});
    let stdout = '';
    api.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const records = () => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
    const ready = await waitUntil('the ready record', async () => records().find((record) => record['msg'] === 'ready'), 90_000);
    expect(ready).toMatchObject({
      level: 30, name: 'api',
      banner: {
        roles: ['api'],
        api_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        database: database.url, redis: redisUrl(), env_file: null,
        program: 'built-in default (libs/domain/src/default-program.ts)',
        next_step: 'npm run keys -- create --name my-bot --scopes producer,reader',
      },
    });
    const base = ready['banner'].api_url as string;
    expect(ready['banner']).toMatchObject({ docs_url: `${base}/api/docs`, bull_board_url: `${base}/admin/queues` });

    expect((await fetch(`${base}/api/points/balance?user_id=json_logs`, { headers: { 'x-api-key': key } })).status).toBe(200);
    const request = await waitUntil('the request record', async () => records().find((record) => record['msg'] === 'request'), 30_000);
    expect(request).toMatchObject({ component: 'http', req: { method: 'GET', url: '/api/points/balance?user_id=json_logs', headers: { 'x-api-key': '[redacted]' } }, res: { statusCode: 200 } });
    expect(stdout).not.toContain(key);

    expect(await stop(api)).toBe(0);
    expect(records().at(-1)).toMatchObject({ msg: 'stopped' });
  }, 150_000);
});
