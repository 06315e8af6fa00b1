import { readFileSync } from 'node:fs';
import { Router } from 'express';
import { renderDocsPage } from './docs.page.ts';
import { buildOpenApiDocument } from './openapi.document.ts';
import { operations } from './operations.registry.ts';

const { version } = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The document, built once from the operations registry. */
export const openApiDocument = buildOpenApiDocument(operations, {
  title: 'points-engine',
  version,
  description: 'A points and loyalty ledger: events are applied exactly once; balances, history and the program are read back.',
});

/** GET /api/openapi.json and GET /api/docs: public, no API key. */
export function openApiRoutes(): Router {
  const router = Router();
  const page = renderDocsPage(openApiDocument);
  // Serialised once: the document is over 100 kB and the route is public.
  const json = JSON.stringify(openApiDocument);
  router.get('/api/openapi.json', (_req, res) => {
    res.type('json').send(json);
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').send(page);
  });
  return router;
}
