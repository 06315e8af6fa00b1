// A bot's side of points-engine, run once: earn (fire-and-forget), charge before paid work
// (awaiting the outcome), read a transaction's status over HTTP, and tell the user about the
// engine's events (typed bot events). Prints what happened, then one JSON line with the results.
import { onBotEvent, PointsClient, type BotEvent, type ClientLogger } from '@points-engine/client';
import { charge } from './charge.js';
import { readConfig } from './config.js';
import { messageFor } from './notices.js';
import { recordedStatus } from './transactions.js';

const config = readConfig();
const logger: ClientLogger = {
  warn: (details, message) => console.warn(message, details),
  error: (details, message) => console.error(message, details),
};

// Events back from the engine, at least once: deduplicate by event_id (here in memory; a real bot
// keeps the ids it handled in its database).
const handled = new Set<string>();
const told: { type: BotEvent['type']; message: string }[] = [];
let streakSeen: () => void = () => undefined;
const streak = new Promise<void>((resolve) => (streakSeen = resolve));
const events = onBotEvent({ redisUrl: config.redisUrl, prefix: config.prefix, logger }, async (event) => {
  if (handled.has(event.event_id)) return;
  handled.add(event.event_id);
  const message = messageFor(event);
  if (message === null) return;
  console.log(`→ user ${event.user_id}: ${message}`); // a real bot: await bot.sendMessage(...)
  told.push({ type: event.type, message });
  if (event.type === 'streak_milestone' && event.user_id === config.userId) streakSeen();
});

const points = new PointsClient({ redisUrl: config.redisUrl, prefix: config.prefix, partitions: config.partitions, logger });
const user = config.userId;
const day = new Date().toISOString().slice(0, 10);
try {
  // Earning: never awaited, never throws into the handler. Keys name the thing that earned, so a
  // retried handler cannot earn twice.
  const dailyKey = `daily:${user}:${day}`;
  const textKey = `text_req:${user}:1`;
  points.earn({ kind: 'earn', idempotency_key: dailyKey, user_id: user, activity: 'daily_login' });
  points.earn({ kind: 'earn', idempotency_key: textKey, user_id: user, activity: 'text_request' });

  // Charging: awaited, and every outcome handled.
  const cheap = await charge(points, { kind: 'spend', idempotency_key: `gen:${user}:1`, user_id: user, task_type: 'chat' });
  const tooDear = await charge(points, { kind: 'spend', idempotency_key: `gen:${user}:2`, user_id: user, amount: 1_000_000_000_000 });
  for (const result of [cheap, tooDear]) console.log(`spend ${result.key}: ${result.status === 'applied' ? `charged ${result.charged}` : result.reply}`);

  // Over HTTP: what became of the daily login (earn() sent it a few milliseconds after the call).
  await points.flush();
  const daily = await recordedStatus(config.apiUrl, config.apiKey, dailyKey);
  console.log(`earn ${dailyKey}: ${daily.status}${daily.reason ? ` (${daily.reason})` : ''}`);

  // The first daily login is a 1-day streak: the engine sends a streak_milestone event for it.
  await within(streak, 30_000, 'a streak_milestone event');
  console.log(JSON.stringify({ user_id: user, earned: [dailyKey, textKey], spends: [cheap, tooDear], transaction: daily, told }));
} finally {
  await points.close();
  await events.close();
}

/** Resolves with `promise`, or rejects after `ms` (and leaves no timer behind). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
