// Pure: the banner's facts and text from a config (a temp directory stands in for the working directory; no services).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@points-engine/config';
import { bannerRecord, bannerText, reachableUrl, readyFacts } from '@points-engine/runtime';

const cwd = mkdtempSync(join(tmpdir(), 'pe-banner-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const config = loadConfig({
  DATABASE_URL: 'postgres://app:db-s3cret@db.internal:5432/points',
  REDIS_URL: 'redis://:redis-s3cret@cache.internal:6379',
  HEALTH_PORT: '9464',
  PROGRAM_FILE: 'programs/mine.json',
});

describe('reachableUrl', () => {
  it.each([
    ['0.0.0.0', 3000, 'http://localhost:3000'],
    ['::', 3000, 'http://localhost:3000'],
    ['127.0.0.1', 8080, 'http://127.0.0.1:8080'],
    ['::1', 8080, 'http://[::1]:8080'],
    ['api.example.com', 80, 'http://api.example.com:80'],
  ])('%s:%i → %s', (host, port, url) => {
    expect(reachableUrl(host, port)).toBe(url);
  });
});

describe('the start-up banner', () => {
  it('shows where the API, its docs and Bull Board are, what it runs on, and the command that makes a key; never a password', () => {
    const facts = readyFacts(config, { process: 'engine', roles: ['api', 'worker', 'scheduler'], apiPort: 3000, redisCrashLoses: 'the whole queue', cwd });
    const text = bannerText(facts);
    expect(text).toContain('points-engine engine is ready: api, worker, scheduler');
    expect(text).toMatch(/API +http:\/\/localhost:3000\n/);
    expect(text).toMatch(/API docs +http:\/\/localhost:3000\/api\/docs\n/);
    expect(text).toMatch(/Bull Board +http:\/\/localhost:3000\/admin\/queues/);
    expect(text).toMatch(/health +http:\/\/localhost:9464\/readyz/);
    expect(text).toMatch(/PostgreSQL +postgres:\/\/app:\*\*\*@db\.internal:5432\/points/);
    expect(text).toMatch(/Redis +redis:\/\/:\*\*\*@cache\.internal:6379 +\(a Redis crash loses the whole queue\)/);
    expect(text).toContain(`program     file ${join(cwd, 'programs/mine.json')}`);
    expect(text).toContain('.env        none (cp .env.example .env to make one)');
    // Tests run the sources, so the npm script is the way in.
    expect(text).toContain('    npm run keys -- create --name my-bot --scopes producer,reader');
    expect(text).not.toMatch(/s3cret/);
  });

  it('a process without the API (a worker) shows no API URLs; a .env in the working directory is named', () => {
    writeFileSync(join(cwd, '.env'), 'LOG_LEVEL=info\n');
    const facts = readyFacts(loadConfig({}), { process: 'worker', roles: ['worker'], cwd });
    const text = bannerText(facts);
    expect(text).not.toMatch(/API docs|Bull Board|health|localhost/);
    expect(text).toContain(`.env        ${join(cwd, '.env')}  (variables already set in the environment win)`);
    expect(text).toContain('program     built-in default');
  });

  it('as a JSON record holds the same facts, with no password, and survives a JSON round trip', () => {
    const record = bannerRecord(readyFacts(config, { process: 'api', roles: ['api'], apiPort: 3917, cwd }));
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    expect(record).toMatchObject({
      roles: ['api'],
      api_url: 'http://localhost:3917',
      docs_url: 'http://localhost:3917/api/docs',
      bull_board_url: 'http://localhost:3917/admin/queues',
      health_url: 'http://localhost:9464/readyz',
      database: 'postgres://app:***@db.internal:5432/points',
      next_step: 'npm run keys -- create --name my-bot --scopes producer,reader',
    });
    expect(JSON.stringify(record)).not.toMatch(/s3cret/);
  });
});
