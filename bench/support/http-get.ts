import { Agent, request } from 'node:http';

/**
 * A lean keep-alive GET for load generation: undici's fetch costs several times more CPU per
 * request, and on 2 cores the load generator's CPU is taken from the server it measures.
 */
export function httpGetter(base: string, headers: Record<string, string>, maxSockets = 64): { get(path: string): Promise<number>; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(base);
  return {
    get: (path) =>
      new Promise((resolve, reject) => {
        const req = request({ agent, hostname, port, path, headers }, (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      }),
    close: () => agent.destroy(),
  };
}
