import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { sleep } from '../bench/support/stats.ts';

/** Local `ip:port` of every TCP connection the given processes hold to `remotePort`. */
export function connectionsTo(pids: readonly number[], remotePort: number): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(match[1] as string);
      } catch {
        // closed meanwhile
      }
    }
  }
  const addresses = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, remote, inode] = [fields[1], fields[2], fields[9]];
      if (!local || !remote || !inode || !inodes.has(inode)) continue;
      if (parseInt(remote.split(':')[1] ?? '', 16) !== remotePort) continue;
      addresses.add(decodeAddress(local));
    }
  }
  return addresses;
}

function decodeAddress(hex: string): string {
  const [ip, port] = hex.split(':') as [string, string];
  if (ip.length === 8) {
    // IPv4, little-endian bytes
    const bytes = [0, 1, 2, 3].map((i) => parseInt(ip.slice(i * 2, i * 2 + 2), 16)).reverse();
    return `${bytes.join('.')}:${parseInt(port, 16)}`;
  }
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is the only v6 form a 127.0.0.1 Redis sees
  const tail = ip.slice(24);
  const bytes = [0, 1, 2, 3].map((i) => parseInt(tail.slice(i * 2, i * 2 + 2), 16)).reverse();
  return `${bytes.join('.')}:${parseInt(port, 16)}`;
}

export interface CutResult {
  seconds: number;
  /** Connections closed (a reconnecting client is closed again, so this counts every cut). */
  killed: number;
  rounds: number;
  /** The longest round (a slow one means the outage had gaps: the machine was busy). */
  slowestRoundMs: number;
}

/**
 * A Redis outage for the engine only: for `ms`, every 100 ms, `CLIENT KILL ID` each connection
 * that belongs to an engine process (found through /proc: the processes' sockets to Redis) or is
 * named under the run's queue prefix (BullMQ names its connections `{prefix}:…`, the producers'
 * clients too), except the harness's own control connections. The shared Redis server itself
 * keeps running for everyone else; CLIENT PAUSE is not used because it would stall every client
 * of the server, other engineers' included.
 */
export async function cutRedis(control: Redis, options: { ms: number; prefix: string; pids: () => number[]; spare: ReadonlySet<string> }): Promise<CutResult> {
  const started = Date.now();
  let killed = 0;
  let rounds = 0;
  let slowest = 0;
  while (Date.now() - started < options.ms) {
    rounds++;
    const roundStarted = Date.now();
    const ours = connectionsTo(options.pids(), 6379);
    const list = String(await control.client('LIST'));
    const ids: string[] = [];
    for (const line of list.split('\n')) {
      const field = (name: string) => new RegExp(`(?:^| )${name}=(\\S*)`).exec(line)?.[1] ?? '';
      const id = field('id');
      if (!id || options.spare.has(id)) continue;
      if (ours.has(field('addr')) || field('name').startsWith(`${options.prefix}:`)) ids.push(id);
    }
    if (ids.length > 0) {
      const pipeline = control.pipeline();
      for (const id of ids) pipeline.client('KILL', 'ID', id);
      const results = (await pipeline.exec()) ?? [];
      killed += results.filter(([error, count]) => !error && Number(count) > 0).length;
    }
    slowest = Math.max(slowest, Date.now() - roundStarted);
    await sleep(100);
  }
  return { seconds: (Date.now() - started) / 1000, killed, rounds, slowestRoundMs: slowest };
}

/**
 * A PostgreSQL outage for the run's database only: `ALLOW_CONNECTIONS false` (new connections are
 * refused), then, every 100 ms for `ms`, `pg_terminate_backend` on every backend of the engine's
 * processes in that database (application_name points-engine-*); finally connections are allowed
 * again. Other databases on the shared server are untouched.
 */
export async function cutPostgres(adminUrl: string, database: string, ms: number): Promise<CutResult> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'chaos-control' });
  await client.connect();
  const ident = pg.escapeIdentifier(database);
  let started = Date.now();
  let killed = 0;
  let rounds = 0;
  let slowest = 0;
  try {
    // Start while the engine is connected (not while every process is restarting), waiting at most 15 s.
    for (let waited = 0; waited < 15_000; waited += 250) {
      const found = await client.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'points-engine-%' LIMIT 1`, [database]);
      if (found.rowCount) break;
      await sleep(250);
    }
    started = Date.now();
    await client.query(`ALTER DATABASE ${ident} ALLOW_CONNECTIONS false`);
    slowest = Date.now() - started;
    while (Date.now() - started < ms) {
      rounds++;
      const roundStarted = Date.now();
      const result = await client.query<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
         WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name LIKE 'points-engine-%'`,
        [database],
      );
      killed += result.rows.filter((r) => r.ok).length;
      slowest = Math.max(slowest, Date.now() - roundStarted);
      await sleep(100);
    }
  } finally {
    await client.query(`ALTER DATABASE ${ident} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
  return { seconds: (Date.now() - started) / 1000, killed, rounds, slowestRoundMs: slowest };
}

/** Makes sure the database accepts connections (a harness killed mid-cut leaves it refusing them). */
export async function allowConnections(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'chaos-control' });
  await client.connect();
  try {
    await client.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} ALLOW_CONNECTIONS true`);
  } finally {
    await client.end();
  }
}
