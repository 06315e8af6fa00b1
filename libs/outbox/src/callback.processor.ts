import { UnrecoverableError, type Job } from 'bullmq';
import { botEventSchema } from '@points-engine/jobs';
import type { Executor } from '@points-engine/db';
import type { Logger } from '@points-engine/logger';
import { ATTEMPT_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signBody } from './callback.signer.ts';
import { recordCallbackAttempt } from './outbox.repository.ts';

export interface CallbackTarget {
  url: string;
  secret: string;
  timeoutMs: number;
}

/**
 * The processor of the `callbacks` queue: POSTs the event as JSON, signed, to the callback URL.
 * A 2xx answer delivers it; anything else (another status, a timeout, a refused connection)
 * throws, and BullMQ retries the job with exponential backoff until its attempts run out.
 * Every attempt is recorded on the outbox row (callback_attempts, callback_last_error,
 * callback_delivered_at).
 */
export function createCallbackProcessor(deps: { db: Executor; logger: Pick<Logger, 'warn'> }, target: CallbackTarget) {
  return async (job: Job): Promise<{ status: number; attempt: number }> => {
    const parsed = botEventSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid callback job: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const event = parsed.data;
    const body = JSON.stringify(event);
    const attempt = job.attemptsMade + 1;
    let failure: string;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'points-engine',
          [SIGNATURE_HEADER]: signBody(body, target.secret),
          [EVENT_ID_HEADER]: event.event_id,
          [EVENT_TYPE_HEADER]: event.type,
          [ATTEMPT_HEADER]: String(attempt),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(target.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        await record(deps, event.event_id, attempt, null);
        return { status: response.status, attempt };
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = describe(error);
    }
    await record(deps, event.event_id, attempt, failure);
    throw new Error(`callback ${event.event_id} attempt ${attempt}: ${failure}`);
  };
}

/** The bookkeeping is for operators: failing it must not fail (and so repeat) a delivery. */
async function record(deps: { db: Executor; logger: Pick<Logger, 'warn'> }, eventId: string, attempt: number, error: string | null): Promise<void> {
  try {
    await recordCallbackAttempt(deps.db, eventId, attempt, error);
  } catch (failure) {
    deps.logger.warn({ err: failure, event_id: eventId }, 'could not record the callback attempt');
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error.name === 'TimeoutError') return 'timed out';
  return cause?.code ?? cause?.message ?? error.message;
}
