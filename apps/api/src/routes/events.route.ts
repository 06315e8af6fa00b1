import { Router } from 'express';
import { z } from 'zod';
import { SENDING_SCOPES } from '@points-engine/auth';
import { IdempotencyConflictError, OutcomeTimeoutError } from '@points-engine/client';
import { MAX_EVENTS_PER_JOB } from '@points-engine/jobs';
import type { ApiDeps } from '../deps.ts';
import { admitEvents } from '../admission/admit-events.ts';
import { confirmQueued, refuseQueuedReuse } from '../admission/idempotency-guard.ts';
import { requireScope } from '../middleware/auth.ts';
import { parseOr400 } from '../middleware/validate.ts';

const eventsBody = z.union([
  z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_JOB),
  z.object({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_JOB) }).transform((body) => body.events),
]);
export const spendQuery = z.object({ timeout_ms: z.coerce.number().int().min(1).max(120_000).optional() });

/**
 * POST /api/points/events (queue one event or many; 202) and POST /api/points/spend (wait for the
 * outcome). A key needs a scope that sends some kind; each event is then checked against
 * EVENT_KIND_SCOPES (admitEvents), and nothing of a refused request is queued.
 */
export function eventsRoutes(deps: ApiDeps): Router {
  const router = Router();
  const sender = requireScope(deps.verifier, SENDING_SCOPES);

  router.post('/events', sender, async (req, res) => {
    if (Array.isArray(req.body) || (req.body && typeof req.body === 'object' && 'events' in req.body)) {
      const items = parseOr400(eventsBody, req.body);
      const { placed, unrecorded } = await admitEvents(deps, req, items.map((item, index) => ({ item, at: `events.${index}.` })));
      const { jobIds } = await deps.client.sendMany(placed.map((p) => p.event));
      await confirmQueued(deps, placed, unrecorded);
      res.status(202).json({ status: 'queued', events: placed.length, job_ids: jobIds });
      return;
    }
    const { placed, unrecorded } = await admitEvents(deps, req, [{ item: req.body, at: '' }]);
    const [{ event }] = placed as [(typeof placed)[number]];
    const { jobId } = await deps.client.send(event);
    await confirmQueued(deps, placed, unrecorded);
    res.status(202).json({ status: 'queued', job_id: jobId, idempotency_key: event.idempotency_key });
  });

  router.post('/spend', sender, async (req, res) => {
    const { timeout_ms } = parseOr400(spendQuery, req.query);
    const { placed } = await admitEvents(deps, req, [{ item: { kind: 'spend', ...req.body }, at: '' }]);
    const [admitted] = placed as [(typeof placed)[number]];
    try {
      const outcome = await deps.client.spend(admitted.event, { timeoutMs: timeout_ms ?? deps.config.SPEND_TIMEOUT_MS });
      res.status(200).json(outcome);
    } catch (error) {
      if (error instanceof IdempotencyConflictError && !error.recorded) await refuseQueuedReuse(deps, admitted);
      if (!(error instanceof OutcomeTimeoutError)) throw error;
      // Still queued: the producer asks GET /transactions/{key} later.
      res.status(202).json({ status: 'queued', job_id: error.jobId, idempotency_key: admitted.event.idempotency_key });
    }
  });
  return router;
}
