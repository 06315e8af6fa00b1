import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Lang } from '@points-engine/i18n';
import type { Logger } from '@points-engine/logger';
import { EngineError, type EngineApi } from './engine-api.ts';
import type { PaymentAnswer } from './engine-api.schemas.ts';

export const BOT_PAYMENTS_QUEUE = 'bot-payments';

/** A Stars payment or refund Telegram sent the bot, waiting to reach the engine. */
export interface StarsForward {
  user_id: string;
  chat_id: number;
  lang: Lang;
  kind: 'successful_payment' | 'refunded_payment';
  payment: { currency: string; total_amount: number; invoice_payload: string; telegram_payment_charge_id: string };
}

/**
 * Telegram tells the bot about a Stars payment once; the bot must get it to the engine whatever
 * happens to the engine meanwhile. The handler only queues it (a BullMQ job in the bot's own
 * prefix, id = the charge id, so a redelivered update is one job) and a worker forwards it to
 * POST /webhooks/telegram-stars, retrying with backoff while the engine is unreachable or answers
 * 5xx/429. A 4xx means the forward itself is wrong (a bad secret, a malformed body): the job fails
 * for good and stays in the failed set with the reason, for the operator.
 */
export class PaymentForwarder {
  readonly queue: Queue;
  private worker: Worker | null = null;

  constructor(private readonly options: { connection: Redis; prefix: string; engine: EngineApi; logger: Logger; attempts?: number; backoffMs?: number }) {
    this.queue = new Queue(BOT_PAYMENTS_QUEUE, { connection: options.connection, prefix: options.prefix });
  }

  async enqueue(forward: StarsForward): Promise<void> {
    const jobId = `${forward.kind}-${Buffer.from(forward.payment.telegram_payment_charge_id).toString('base64url')}`;
    await this.queue.add(forward.kind, forward, {
      jobId,
      attempts: this.options.attempts ?? 20,
      backoff: { type: 'exponential', delay: this.options.backoffMs ?? 1_000 },
      removeOnComplete: { age: 30 * 86_400 },
      removeOnFail: false,
    });
  }

  /** Starts forwarding; `answered` hears each engine answer (to tell the buyer about a rejected payment). */
  start(answered: (forward: StarsForward, answer: PaymentAnswer) => Promise<unknown>): void {
    this.worker = new Worker(
      BOT_PAYMENTS_QUEUE,
      async (job: Job<StarsForward>) => {
        const forward = job.data;
        let answer: PaymentAnswer;
        try {
          answer = await this.options.engine.forwardStars({ user_id: forward.user_id, [forward.kind]: forward.payment });
        } catch (error) {
          const permanent = error instanceof EngineError && error.status >= 400 && error.status < 500 && error.status !== 429;
          if (permanent) throw new UnrecoverableError(`the engine refused the forwarded payment: ${error.status} ${error.message}`);
          throw error;
        }
        this.options.logger.info({ user: forward.user_id, kind: forward.kind, charge: forward.payment.telegram_payment_charge_id, answer: answer.status }, 'stars payment forwarded');
        await answered(forward, answer);
        return answer;
      },
      { connection: this.options.connection, prefix: this.options.prefix, concurrency: 4 },
    );
    this.worker.on('failed', (job, error) =>
      this.options.logger.error({ charge: job?.data.payment.telegram_payment_charge_id, attempts: job?.attemptsMade, err: error.message }, 'stars payment not forwarded yet'),
    );
    this.worker.on('error', (error) => this.options.logger.error({ err: error }, 'payment forwarder error'));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
