/** What the example needs to reach the engine; every value comes from the environment. */
export interface Config {
  /** The engine's Redis (REDIS_URL). */
  redisUrl: string;
  /** The engine's QUEUE_PREFIX and QUEUE_PARTITIONS: the client must use the same. */
  prefix: string;
  partitions: number;
  /** The engine's API, for reads (POINTS_API_URL), with a key of scope `reader` (POINTS_API_KEY). */
  apiUrl: string;
  apiKey: string;
  /** The user this run acts for (default: a fresh one). */
  userId: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const partitions = Number(env['QUEUE_PARTITIONS'] ?? '4');
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error('QUEUE_PARTITIONS must be a positive integer (the engine\'s value)');
  const apiKey = env['POINTS_API_KEY'];
  if (!apiKey) throw new Error('POINTS_API_KEY is required: npm run keys -- create --name example --scopes reader (in the engine)');
  return {
    redisUrl: env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    prefix: env['QUEUE_PREFIX'] ?? 'pe',
    partitions,
    apiUrl: (env['POINTS_API_URL'] ?? 'http://127.0.0.1:3000').replace(/\/$/, ''),
    apiKey,
    userId: env['USER_ID'] ?? `example_${Date.now()}`,
  };
}
