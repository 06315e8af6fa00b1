import { parseArgs } from 'node:util';
import { createApiKey, listApiKeys, revokeApiKey, SCOPES, type Scope } from '@points-engine/auth';
import { loadConfig, ConfigError } from '@points-engine/config';
import { checkPostgres, connectDatabase, ensureDatabase, migrateToLatest, ServiceUnavailableError } from '@points-engine/db';
import { createRedis } from '@points-engine/jobs';
import { acceptedSources, UNAPPLIED_AFTER_SECONDS } from '@points-engine/runtime';
import { reconcile } from './reconcile.command.ts';

const USAGE = `Usage:
  npm run keys -- create --name NAME --scopes SCOPE[,SCOPE…] [--expires-in-days N]
      scopes: producer (bots: earn, spend, hold, settle, void), reader (reads),
              payments (purchase_bonus, and reversing one), holdings (set_token_balance),
              admin (everything); docs/security.md
  npm run keys -- list
  npm run keys -- revoke KEY_ID
  npm run migrate
  npm run reconcile [-- --batch 10000 --unapplied-after SECONDS]`;

/** Runs one CLI command; answers its exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  let config;
  try {
    config = loadConfig();
    await checkPostgres(config.DATABASE_URL);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ServiceUnavailableError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  await ensureDatabase(config.DATABASE_URL);
  const { db, close } = connectDatabase(config.DATABASE_URL, { max: 2, applicationName: 'points-engine-cli' });
  try {
    await migrateToLatest(db);
    if (command === 'migrate') {
      process.stdout.write('migrations applied\n');
      return 0;
    }
    if (command === 'reconcile') {
      const { values } = parseArgs({
        args: [sub, ...rest].filter((a): a is string => a !== undefined),
        options: { batch: { type: 'string', default: '10000' }, 'unapplied-after': { type: 'string', default: String(UNAPPLIED_AFTER_SECONDS) } },
      });
      const unappliedAfter = Number(values['unapplied-after']);
      if (!Number.isInteger(unappliedAfter) || unappliedAfter < 0) {
        process.stderr.write('--unapplied-after must be a whole number of seconds (0 or more)\n');
        return 1;
      }
      const redis = createRedis(config.REDIS_URL, 'producer', { connectionName: `${config.QUEUE_PREFIX}:reconcile` });
      try {
        const sources = acceptedSources({ redis, prefix: config.QUEUE_PREFIX, partitions: config.QUEUE_PARTITIONS });
        const report = await reconcile(db, Number(values.batch), process.stderr, { sources, unappliedAfterSeconds: unappliedAfter });
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return report.violations.length === 0 && report.unapplied.ok ? 0 : 2;
      } finally {
        redis.disconnect();
      }
    }
    if (command === 'keys' && sub === 'create') {
      const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, scopes: { type: 'string' }, 'expires-in-days': { type: 'string' } } });
      const scopes = (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (!values.name || scopes.length === 0 || unknown.length > 0) {
        process.stderr.write(`--name and --scopes (${SCOPES.join(', ')}) are required${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}\n`);
        return 1;
      }
      const days = values['expires-in-days'];
      if (days !== undefined && !/^[1-9]\d{0,4}$/.test(days)) {
        process.stderr.write('--expires-in-days: a whole number of days from 1 to 99999\n');
        return 1;
      }
      const expiresAt = days === undefined ? undefined : new Date(Date.now() + Number(days) * 86_400_000);
      const { id, key } = await createApiKey(db, values.name, scopes as Scope[], expiresAt ? { expiresAt } : {});
      const until = expiresAt ? `, expires ${expiresAt.toISOString()}` : '';
      process.stdout.write(`created key ${id} (${scopes.join(', ')}${until}). Store it now; it is not shown again:\n${key}\n`);
      return 0;
    }
    if (command === 'keys' && sub === 'list') {
      for (const key of await listApiKeys(db)) {
        const expired = key.expires_at !== null && key.expires_at.getTime() <= Date.now();
        const state = key.revoked_at ? `revoked ${key.revoked_at.toISOString()}` : expired ? `expired ${key.expires_at?.toISOString()}` : key.expires_at ? `active until ${key.expires_at.toISOString()}` : 'active';
        process.stdout.write(`${key.id}  ${key.name}  [${key.scopes.join(',')}]  ${state}\n`);
      }
      return 0;
    }
    if (command === 'keys' && sub === 'revoke' && rest[0]) {
      const revoked = await revokeApiKey(db, rest[0]);
      process.stdout.write(revoked ? `revoked ${rest[0]}\n` : `no active key ${rest[0]}\n`);
      return revoked ? 0 : 1;
    }
    process.stderr.write(`${USAGE}\n`);
    return 1;
  } finally {
    await close();
  }
}
