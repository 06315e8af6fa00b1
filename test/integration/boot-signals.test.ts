// Isolation: each process under test gets a queue prefix of its own and a DATABASE_URL pointing at
// a TCP server of this file's own that accepts connections and never answers (a PostgreSQL that
// is slow to come up), so no process ever reaches a real database or takes work.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { redisUrl, uniquePrefix } from '../support/services.ts';
import { spawnApp } from '../support/processes.ts';

/** A server that accepts every connection and holds it silent; `connected` resolves on the first. */
async function silentServer(): Promise<{ port: number; connected: Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connected!: () => void;
  const first = new Promise<void>((resolve) => (connected = resolve));
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    connected();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connected: first,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const servers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** Starts an entry point whose boot hangs at its PostgreSQL check, SIGTERMs it there, and returns how it ended. */
async function sigtermDuringBoot(entry: string, args: string[] = []) {
  const database = await silentServer();
  servers.push(database);
  const app = spawnApp(entry, { DATABASE_URL: `postgres://postgres@127.0.0.1:${database.port}/points`, REDIS_URL: redisUrl(), QUEUE_PREFIX: uniquePrefix(), HOST: '127.0.0.1', PORT: '0' }, args);
  try {
    // Connecting to PostgreSQL comes after the handlers are installed (and after every import).
    await Promise.race([database.connected, app.exited.then(() => Promise.reject(new Error(`${entry} exited before connecting: ${app.output()}`)))]);
    app.child.kill('SIGTERM');
    return { code: await app.exited, signal: app.child.signalCode, output: app.output() };
  } finally {
    app.child.kill('SIGKILL');
  }
}

describe('SIGTERM while a process boots', () => {
  it.each(['apps/api/src/main.ts', 'apps/worker/src/main.ts', 'apps/scheduler/src/main.ts', 'apps/engine/src/main.ts'])(
    '%s exits 0 with a log line (it took no work yet)',
    async (entry) => {
      const { code, signal, output } = await sigtermDuringBoot(entry);
      expect(signal).toBeNull();
      expect(code).toBe(0);
      expect(output).toMatch(/"msg":"SIGTERM during boot: exiting before taking any work"/);
    },
    60_000,
  );

  it('the CLI stops with a line and exit 1 (its command did not finish)', async () => {
    const { code, signal, output } = await sigtermDuringBoot('apps/cli/src/main.ts', ['reconcile']);
    expect(signal).toBeNull();
    expect(code).toBe(1);
    expect(output).toMatch(/SIGTERM: stopped before the command finished/);
  }, 60_000);
});
