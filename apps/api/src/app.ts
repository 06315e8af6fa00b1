import express, { type Express } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { ApiDeps } from './deps.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { requireScope } from './middleware/auth.ts';
import { notFound } from './errors.ts';
import { eventsRoutes } from './routes/events.route.ts';
import { transactionsRoutes } from './routes/transactions.route.ts';
import { readRoutes } from './routes/reads.route.ts';
import { healthRoutes } from './routes/health.route.ts';
import { openApiRoutes } from './openapi/openapi.route.ts';
import { leaderboardRoutes } from './routes/leaderboard.route.ts';
import { levelsRoutes } from './routes/levels.route.ts';
import { statsRoutes } from './routes/stats.route.ts';
import { earningRulesRoutes } from './routes/earning-rules.route.ts';
import { adminRoutes } from './routes/admin.route.ts';
import { webhooksRoutes } from './routes/webhooks.route.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { requestLog } from './middleware/request-log.ts';
import { refuseNulInUrl } from './middleware/url-guard.ts';
import { ipLimit } from './middleware/ip-limit.ts';
import { boardGuard } from './middleware/board-guard.ts';
import { cors, corsEnabled } from './middleware/cors.ts';
import { corsRoutes } from './openapi/cors-routes.ts';
import { operations } from './openapi/operations.registry.ts';

/** Builds the Express app; main.ts listens on it, tests call it over a real socket. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Every answer is fresh ledger state: hashing each body for an ETag cost CPU on the hottest route.
  app.set('etag', false);
  // Which X-Forwarded-For hops name the client (TRUST_PROXY; default: the socket address).
  app.set('trust proxy', deps.config.TRUST_PROXY);
  app.use(requestLog(deps.logger));
  // CORS_ORIGINS: the Mini App reads for browsers of other origins. Before the limits: a preflight
  // has no credential to check, and every answer (429 included) must carry the headers to be read.
  if (corsEnabled(deps.config.CORS_ORIGINS)) app.use(cors(deps.config.CORS_ORIGINS, corsRoutes(operations)));
  // Before everything that looks at a credential or a body: per-address limits.
  app.use(ipLimit(deps));
  app.use(refuseNulInUrl());
  // Before the JSON parser: webhooks verify signatures over the raw bytes.
  app.use('/webhooks', webhooksRoutes(deps));
  app.use(express.json({ limit: deps.config.BODY_LIMIT }));

  app.use(healthRoutes(deps));
  // GET /api/openapi.json and /api/docs (public); routes are listed in openapi/operations.registry.ts.
  app.use(openApiRoutes());
  const api = express.Router();
  api.use(rateLimit(deps));
  api.use(eventsRoutes(deps));
  api.use(transactionsRoutes(deps));
  api.use(readRoutes(deps));
  api.use(leaderboardRoutes(deps));
  api.use(levelsRoutes(deps));
  api.use(statsRoutes(deps));
  api.use(earningRulesRoutes(deps));
  app.use('/api/points', api);
  app.use('/api/admin', adminRoutes(deps));

  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: deps.queues.map((queue) => new BullMQAdapter(queue)), serverAdapter: board });
  app.use('/admin/queues', requireScope(deps.verifier, 'admin', { basicRealm: 'points-engine' }), boardGuard(), board.getRouter());

  app.use(() => {
    throw notFound('no such route');
  });
  app.use(errorHandler(deps.logger));
  return app;
}
