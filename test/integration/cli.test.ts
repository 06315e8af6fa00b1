// Isolation: its own database and BullMQ prefix (startTestEngine) plus an empty database of its own (created and dropped here), temp working directories for .env; the CLI runs as a real process (spawnApp).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, ensureDatabase } from '@points-engine/db';
import { randomUser } from '../support/services.ts';
import { spawnApp } from '../support/processes.ts';
import { registryHolds, startTestEngine, type TestEngine } from '../support/engine.ts';

const CLI = 'apps/cli/src/main.ts';
let engine: TestEngine;
const dirs: string[] = [];
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  await engine.close();
});

/** Runs the real CLI; answers its exit code and its output (stdout and stderr). */
async function cli(args: string[], env: Record<string, string | undefined> = { DATABASE_URL: engine.databaseUrl }, cwd?: string) {
  const run = spawnApp(CLI, { LOG_LEVEL: 'silent', ...env }, args, cwd ? { cwd } : {});
  const code = await run.exited;
  return { code, output: run.output() };
}
const otherDatabase = () => {
  const url = new URL(engine.databaseUrl);
  url.pathname = `/pe_test_${randomBytes(6).toString('hex')}_cli`;
  return url.toString();
};
async function tablesIn(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows.map((row) => row.tablename);
  } finally {
    await client.end();
  }
}

describe('usage through the real process (issue 13 item 7)', () => {
  it('--help prints the usage and exits 0', async () => {
    const { code, output } = await cli(['--help']);
    expect(code).toBe(0);
    expect(output).toMatch(/^Usage: points-engine \[options\] \[command\]/);
    expect(output).toMatch(/keys +API keys/);
  });

  it('reconcile --batch abc and an unknown option: one line, exit 1, no stack trace', async () => {
    const bad = await cli(['reconcile', '--batch', 'abc']);
    expect(bad).toEqual({ code: 1, output: "error: option '--batch <n>' argument 'abc' is invalid. Expected a whole number from 1 to 1000000.\n" });
    const unknown = await cli(['keys', 'list', '--verbose']);
    expect(unknown).toEqual({ code: 1, output: "error: unknown option '--verbose'\n" });
  });
});

describe('read-only commands run no migrations', () => {
  it('keys list and reconcile on an unmigrated database fail naming the migrate command and leave it empty; migrate then makes it current', async () => {
    const url = otherDatabase();
    await ensureDatabase(url);
    try {
      for (const args of [['keys', 'list'], ['reconcile']]) {
        const { code, output } = await cli(args, { DATABASE_URL: url });
        expect(code, output).toBe(1);
        expect(output).toMatch(/^error: the database schema is not current \(\d+ migration\(s\) pending: 0001-ledger, .*\): run npm run migrate\n$/);
      }
      // Not even Kysely's bookkeeping tables: nothing was written.
      expect(await tablesIn(url)).toEqual([]);

      const migrated = await cli(['migrate'], { DATABASE_URL: url });
      expect(migrated.code, migrated.output).toBe(0);
      expect(migrated.output).toMatch(/^applied \d+ migration\(s\): 0001-ledger, /);
      expect(await cli(['migrate'], { DATABASE_URL: url })).toEqual({ code: 0, output: 'the database schema is current (no migration to apply)\n' });
      expect(await cli(['keys', 'list'], { DATABASE_URL: url })).toEqual({ code: 0, output: 'no API keys yet; make one with: npm run keys -- create --name my-bot --scopes producer,reader\n' });
    } finally {
      await dropDatabase(url);
    }
  }, 120_000);

  it('keys list on a database that does not exist says so and does not create it', async () => {
    const url = otherDatabase();
    const { code, output } = await cli(['keys', 'list'], { DATABASE_URL: url });
    expect(code).toBe(1);
    expect(output).toBe(`error: the database ${new URL(url).pathname.slice(1)} does not exist: run npm run migrate (it creates the database)\n`);
    await expect(tablesIn(url)).rejects.toThrow(/does not exist/);
  });
});

describe('keys rotate, keys list', () => {
  it('rotate gives the same key (id, name, scopes) a new secret: the old one is refused at the next request, the new one works; list shows it used', async () => {
    const created = await cli(['keys', 'create', '--name', 'rotating-bot', '--scopes', 'producer,reader', '--expires-in-days', '30']);
    expect(created.code, created.output).toBe(0);
    const oldKey = created.output.trim().split('\n').at(-1) as string;
    const id = oldKey.slice(3, 15);
    await registryHolds(engine.registry, (r) => r.has(id));
    const earn = (key: string) => {
      const user = randomUser('rot');
      return engine.fetch('/api/points/events', { method: 'POST', key, body: JSON.stringify({ kind: 'earn', idempotency_key: `rot:${user}`, user_id: user, activity: 'text_request' }) });
    };
    expect((await earn(oldKey)).status).toBe(202);

    const rotated = await cli(['keys', 'rotate', id]);
    expect(rotated.code, rotated.output).toBe(0);
    expect(rotated.output).toMatch(new RegExp(`^rotated key ${id} \\(rotating-bot: producer, reader, expires \\S+\\)\\. The old secret no longer works\\.`));
    const newKey = rotated.output.trim().split('\n').at(-1) as string;
    expect(newKey).toMatch(new RegExp(`^pe_${id}\\.[A-Za-z0-9_-]{43}$`));
    expect(newKey).not.toBe(oldKey);
    // The API process hears of it through the keys' NOTIFY: its periodic re-read (60 s here) is
    // longer than registryHolds waits.
    await registryHolds(engine.registry, (r) => r.verify(oldKey) === null);
    expect((await earn(oldKey)).status).toBe(401);
    expect((await earn(newKey)).status).toBe(202);

    await engine.registry.flushUsage();
    const listed = await cli(['keys', 'list']);
    expect(listed.code, listed.output).toBe(0);
    const row = listed.output.split('\n').find((line) => line.startsWith(id)) as string;
    expect(row).toMatch(new RegExp(`^${id}  rotating-bot +producer,reader +active +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ  -$`));
    expect(listed.output.split('\n')[0]).toMatch(/^ID +NAME +SCOPES +STATE +CREATED +LAST USED +EXPIRES +REVOKED$/);

    const json = JSON.parse((await cli(['keys', 'list', '--json'])).output) as { id: string; last_used_at: string | null; state: string }[];
    expect(json.find((key) => key.id === id)).toMatchObject({ state: 'active', last_used_at: expect.stringMatching(/^\d{4}-/) });

    // A revoked key cannot be rotated back to life.
    expect((await cli(['keys', 'revoke', id])).code).toBe(0);
    expect(await cli(['keys', 'rotate', id])).toEqual({ code: 1, output: `error: no active key ${id} (npm run keys -- list shows them)\n` });
  }, 120_000);
});

describe('.env', () => {
  it('is read from the working directory, and a variable already set in the environment wins over it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pe-cli-env-'));
    dirs.push(dir);
    await writeFile(join(dir, '.env'), `# a comment\nDATABASE_URL=${engine.databaseUrl}\n`);
    const made = await cli(['keys', 'create', '--name', 'from-dotenv', '--scopes', 'reader'], { DATABASE_URL: undefined }, dir);
    expect(made.code, made.output).toBe(0);
    const id = made.output.match(/created key ([a-f0-9]{12})/)?.[1] as string;
    expect((await engine.db.selectFrom('api_keys').select('name').where('id', '=', id).executeTakeFirstOrThrow()).name).toBe('from-dotenv');

    const elsewhere = otherDatabase();
    const overridden = await cli(['keys', 'list'], { DATABASE_URL: elsewhere }, dir);
    expect(overridden).toEqual({ code: 1, output: `error: the database ${new URL(elsewhere).pathname.slice(1)} does not exist: run npm run migrate (it creates the database)\n` });
  }, 60_000);
});
