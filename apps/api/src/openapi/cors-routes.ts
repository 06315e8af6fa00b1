import type { OperationDoc } from './operation.types.ts';

/** The paths open to browsers of the CORS_ORIGINS origins (operations marked `cors`), each with its methods. */
export function corsRoutes(operations: readonly OperationDoc[]): Map<string, string[]> {
  const routes = new Map<string, string[]>();
  for (const op of operations) {
    if (!op.cors) continue;
    // The CORS middleware matches exact paths (it runs before routing, so it has no params to match).
    if (op.path.includes(':')) throw new Error(`CORS: ${op.path} has path parameters; only fixed paths can be opened to browsers`);
    routes.set(op.path, [...(routes.get(op.path) ?? []), op.method]);
  }
  return routes;
}
