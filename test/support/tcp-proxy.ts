import net from 'node:net';

/**
 * Where the proxy cuts a connection: `drop-request` never forwards the bytes that carry the
 * marker (the server never sees that command), `drop-reply` forwards them and then swallows
 * every answer on that connection (the server acts, the client never learns it did).
 */
export type Cut = 'drop-request' | 'drop-reply';

export interface TcpProxy {
  url: string;
  /** Resolves when a client sent the marker and the cut was made. */
  tripped: Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy to a Redis server that forwards everything until one connection sends `marker`,
 * then cuts that connection as `cut` says (once). For simulating a crash in the middle of a
 * publish without touching the process under test.
 */
export async function startRedisProxy(target: string, fault: { marker: string; cut: Cut }): Promise<TcpProxy> {
  const upstreamUrl = new URL(target);
  const sockets = new Set<net.Socket>();
  let trip!: () => void;
  const tripped = new Promise<void>((resolve) => (trip = resolve));
  let done = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(upstreamUrl.port || 6379), upstreamUrl.hostname);
    sockets.add(client).add(upstream);
    let tail = '';
    let requestsCut = false;
    let repliesCut = false;
    client.on('data', (chunk: Buffer) => {
      if (requestsCut) return;
      const text = tail + chunk.toString('latin1');
      tail = text.slice(-fault.marker.length);
      if (!done && text.includes(fault.marker)) {
        done = true;
        if (fault.cut === 'drop-request') requestsCut = true;
        else {
          repliesCut = true;
          upstream.write(chunk);
        }
        trip();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!repliesCut) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${address.port}`,
    tripped,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A TCP proxy that can be cut (every connection dropped, new ones refused) and opened again on
 * the same port: a server made unreachable for the clients that go through it, and only them.
 */
export class CuttableProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  /** The URL of `target` with its port replaced by the proxy's. */
  url(target: string): string {
    const url = new URL(target);
    url.port = String(this.port);
    return url.toString();
  }

  async open(port = this.port): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
