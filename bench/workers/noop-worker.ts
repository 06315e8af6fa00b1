import { Worker } from 'bullmq';
import { createRedis, eventQueueName } from '@points-engine/jobs';

// BullMQ's own ceiling: the engine's worker settings (one Worker per partition, same concurrency)
// with a processor that does nothing.
const env = process.env;
const connection = createRedis(env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', 'worker');
const partitions = Number(env['QUEUE_PARTITIONS'] ?? 4);
const workers = Array.from(
  { length: partitions },
  (_, p) => new Worker(eventQueueName(p), async () => ({ ok: true }), { connection, prefix: env['QUEUE_PREFIX'] ?? 'pe', concurrency: Number(env['WORKER_CONCURRENCY'] ?? 64) }),
);
const stop = async () => {
  await Promise.all(workers.map((w) => w.close()));
  connection.disconnect();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
