import type { Express } from 'express';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string | string[] | RegExp;
}

const join = (prefix: string, path: string): string => `${prefix}/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');

/**
 * Every method and path the app routes, from Express's router stack (Express 5 / router 2:
 * `route` layers carry their path and methods, mounted routers their mount path in `rawPath`).
 * Paths keep Express syntax (`/api/points/transactions/:key`).
 */
export function mountedRoutes(app: Express): { method: string; path: string }[] {
  const found: { method: string; path: string }[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.push({ method, path: join(prefix, path) });
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' ? layer.rawPath : '';
        walk(layer.handle.stack, join(prefix, mount));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found;
}
