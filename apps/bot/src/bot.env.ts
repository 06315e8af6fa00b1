import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.join(' or ')}//`);
const apiKey = z.string().regex(/^[\x21-\x7e]{16,300}$/, 'an API key from `npm run keys -- create`');

/** Every environment variable the reference bot reads (the engine's own are in libs/config). */
export const botEnvSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** From @BotFather. */
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, 'a bot token from @BotFather (123456:ABC…)'),
  /** Where the Bot API answers: Telegram's, a local Bot API server, or a test's fake one. */
  TELEGRAM_API_ROOT: url(['http:', 'https:']).default('https://api.telegram.org'),
  /** The engine's HTTP API (reads, admin commands, the Stars webhook). */
  ENGINE_URL: url(['http:', 'https:']).default('http://127.0.0.1:3000'),
  /** A `reader` key: balances, history, leaderboard, levels, stats, earning rules. */
  ENGINE_READER_KEY: apiKey,
  /** An `admin` key for the admin commands; unset: they answer that they are off. */
  ENGINE_ADMIN_KEY: apiKey.optional(),
  /** The engine's TELEGRAM_STARS_WEBHOOK_SECRET; unset: /buy and Stars payments are off. */
  TELEGRAM_STARS_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, '16–256 of A-Za-z0-9_-').optional(),
  /** Telegram user ids allowed the admin commands, comma-separated. */
  BOT_ADMIN_IDS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((id) => id.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^\d{1,20}$/, 'Telegram user ids (digits), comma-separated'))),
  /** The engine's Redis and queue settings: the bot sends events with PointsClient and reads `bot-events`. */
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('pe'),
  QUEUE_PARTITIONS: int(1, 256).default(4),
  JOB_ATTEMPTS: int(1, 1_000).default(12),
  JOB_BACKOFF_MS: int(1, 3_600_000).default(250),
  /** Prefix of the bot's own Redis keys (users' languages, delivered events, the payment queue). */
  BOT_STATE_PREFIX: z.string().regex(/^[A-Za-z0-9_:-]+$/, 'letters, digits, _ : and - only').default('pe-bot'),
  /** How long a paid command waits for the spend's outcome before answering "still working". */
  BOT_SPEND_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** Run time of the demo `/image` command, priced by the program's `image` task. */
  BOT_IMAGE_SECONDS: int(1, 3_600).default(10),
  /** The program file the engine runs (the bot reads the catalogue and level names from it). */
  PROGRAM_FILE: z.string().min(1).optional(),
  SHUTDOWN_TIMEOUT_MS: int(1_000, 3_600_000).default(30_000),
});

export type BotEnv = z.output<typeof botEnvSchema>;

export class BotConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid bot configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'BotConfigError';
  }
}

/** Parses the environment once; throws BotConfigError with one line per bad variable (secrets are not echoed). */
export function loadBotConfig(source: Record<string, string | undefined>): Readonly<BotEnv> {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = botEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const secret = /TOKEN|KEY|SECRET/;
    throw new BotConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)');
        const got = secret.test(name) ? (cleaned[name] === undefined ? 'nothing' : 'a value') : JSON.stringify(cleaned[name] ?? null);
        const message = issue.code === 'invalid_type' && cleaned[name] === undefined ? 'required' : issue.message;
        return `${name}: ${message} (got ${got})`;
      }),
    );
  }
  return Object.freeze(parsed.data);
}
