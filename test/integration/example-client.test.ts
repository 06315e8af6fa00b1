// Isolation: its own database and BullMQ prefix (startTestEngine) with an outbox relay in this
// process on them; the example project runs as a child process from a temp dir outside the
// repository, installed there from tarballs packed into another temp dir (all removed at the end).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@points-engine/logger';
import { startOutboxRelay, type RunningRelay } from '@points-engine/outbox';
import { packPackages } from '../../scripts/pack-packages.ts';
import { buildPackages } from '../support/build.ts';
import { runCommand } from '../support/commands.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { randomUser, redisUrl } from '../support/services.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

let work: string;
let tarballs: string[];
let engine: TestEngine;
let relay: RunningRelay;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pe-example-'));
  await buildPackages();
  // Packing blocks this process (npm pack, synchronously), so it runs before the engine starts.
  tarballs = packPackages(join(work, 'tarballs'), { build: false });
  engine = await startTestEngine({ partitions: 2 });
  relay = startOutboxRelay(
    { db: engine.db, logger },
    {
      REDIS_URL: redisUrl(), QUEUE_PREFIX: engine.prefix, BOT_EVENTS_ENABLED: true, OUTBOX_POLL_MS: 100, OUTBOX_BATCH_SIZE: 100,
      CALLBACK_URL: undefined, CALLBACK_SECRET: undefined, CALLBACK_ATTEMPTS: 1, CALLBACK_BACKOFF_MS: 100, CALLBACK_TIMEOUT_MS: 1_000, CALLBACK_CONCURRENCY: 1,
    },
  );
}, 240_000);
afterAll(async () => {
  await relay?.close();
  await engine?.close();
  rmSync(work, { recursive: true, force: true });
});

interface ExampleResult {
  user_id: string;
  earned: string[];
  spends: { key: string; status: string; charged?: number; reason?: string }[];
  transaction: { idempotency_key: string; status: string };
  told: { type: string; message: string }[];
}

describe('examples/bot-client, installed from npm pack like another project would', () => {
  it('installs the tarballs, type-checks with its own tsc, then earns, spends, reads a status and receives a typed bot event', async () => {
    expect(tarballs.map((t) => basename(t)).sort()).toEqual([
      'points-engine-client-0.1.0.tgz', 'points-engine-domain-0.1.0.tgz', 'points-engine-jobs-0.1.0.tgz',
    ]);
    const app = join(work, 'app');
    cpSync(join(ROOT, 'examples/bot-client'), app, { recursive: true, filter: (path) => !/\/(node_modules|dist)(\/|$)/.test(path) });
    await runCommand('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: app });

    // What got installed is the built package: JavaScript and declarations, no source condition.
    const installed = JSON.parse(readFileSync(join(app, 'node_modules/@points-engine/client/package.json'), 'utf8')) as { exports: Record<string, Record<string, string>> };
    expect(installed.exports).toEqual({ '.': { types: './dist/index.d.ts', default: './dist/index.js' } });

    // The example's own TypeScript (skipLibCheck off: the packages' .d.ts are checked too).
    await runCommand('npm', ['run', 'build'], { cwd: app });

    const user = randomUser('example');
    const key = await engine.key('reader');
    // --conditions=source: a project whose own tooling uses that condition name still loads the package.
    const run = await runCommand(process.execPath, ['--conditions=source', 'dist/main.js'], {
      cwd: app,
      env: { ...process.env, REDIS_URL: redisUrl(), QUEUE_PREFIX: engine.prefix, QUEUE_PARTITIONS: String(engine.partitions), POINTS_API_URL: engine.url, POINTS_API_KEY: key, USER_ID: user },
      timeoutMs: 90_000,
    });
    const result = JSON.parse(run.output.trim().split('\n').at(-1) as string) as ExampleResult;
    const [dailyKey, textKey] = result.earned as [string, string];

    expect(result.user_id).toBe(user);
    expect(result.earned).toEqual([expect.stringMatching(new RegExp(`^daily:${user}:`)), `text_req:${user}:1`]);
    expect(result.spends).toMatchObject([
      { key: `gen:${user}:1`, status: 'applied', charged: 1 },
      { key: `gen:${user}:2`, status: 'rejected', reason: 'insufficient_funds' },
    ]);
    expect(result.transaction).toMatchObject({ idempotency_key: dailyKey, status: 'applied' });
    expect(result.told).toContainEqual({ type: 'streak_milestone', message: '1-day streak! Bonus +50 points.' });

    // The ledger holds each event once, with the outcome the example saw.
    const rows = await engine.db
      .selectFrom('ledger_transactions')
      .select(['idempotency_key', 'kind', 'status', 'reason'])
      .where('user_id', '=', user)
      .orderBy('idempotency_key')
      .execute();
    expect(rows).toEqual(
      [
        { idempotency_key: dailyKey, kind: 'earn', status: 'applied', reason: null },
        { idempotency_key: `gen:${user}:1`, kind: 'spend', status: 'applied', reason: null },
        { idempotency_key: `gen:${user}:2`, kind: 'spend', status: 'rejected', reason: 'insufficient_funds' },
        { idempotency_key: textKey, kind: 'earn', status: 'applied', reason: null },
      ].sort((a, b) => a.idempotency_key.localeCompare(b.idempotency_key)),
    );
    expect(await engine.invariants()).toEqual([]);
  }, 240_000);
});
