import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Env } from '@points-engine/config';
import { redactUrl } from '@points-engine/db';
import type { LogFormat, Logger } from '@points-engine/logger';
import { envFilePath } from './env-file.ts';

/** What a new user needs once a process is up: where things are, what it runs on, what to do next. */
export interface ReadyFacts {
  /** The process (`engine`, `api`, `worker`, `scheduler`). */
  process: string;
  roles: readonly string[];
  /** The API's base URL, when this process serves it. */
  apiUrl?: string;
  healthUrl?: string;
  database: string;
  redis: string;
  /** What a Redis crash would lose, when it would lose anything. */
  redisCrashLoses?: string;
  program: string;
  envFile: string | null;
  /** The exact command that makes an API key. */
  nextStep: string;
}

/** A URL a person can open: a wildcard listen address becomes localhost. */
export function reachableUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

// Run from the TypeScript sources (npm run dev, the tests), the npm script runs the CLI the same
// way; a compiled build (npm start, the image) has the CLI at apps/cli/dist.
const RUNNING_SOURCE = import.meta.url.endsWith('.ts');
const MAKE_KEY = RUNNING_SOURCE ? 'npm run keys -- create' : 'node apps/cli/dist/main.js keys create';

/** The facts of a booted process; `apiPort` when it serves the API (the port it really listens on). */
export function readyFacts(
  config: Pick<Env, 'DATABASE_URL' | 'REDIS_URL' | 'HOST' | 'HEALTH_HOST' | 'HEALTH_PORT' | 'PROGRAM_FILE'>,
  options: { process: string; roles: readonly string[]; apiPort?: number; redisCrashLoses?: string; cwd?: string },
): ReadyFacts {
  const envFile = envFilePath(options.cwd);
  return {
    process: options.process,
    roles: options.roles,
    ...(options.apiPort !== undefined ? { apiUrl: reachableUrl(config.HOST, options.apiPort) } : {}),
    ...(config.HEALTH_PORT !== undefined ? { healthUrl: `${reachableUrl(config.HEALTH_HOST, config.HEALTH_PORT)}/readyz` } : {}),
    database: redactUrl(config.DATABASE_URL),
    redis: redactUrl(config.REDIS_URL),
    ...(options.redisCrashLoses ? { redisCrashLoses: options.redisCrashLoses } : {}),
    program: config.PROGRAM_FILE ? `file ${resolve(options.cwd ?? process.cwd(), config.PROGRAM_FILE)}` : 'built-in default (libs/domain/src/default-program.ts)',
    envFile: existsSync(envFile) ? envFile : null,
    nextStep: `${MAKE_KEY} --name my-bot --scopes producer,reader`,
  };
}

/** The banner as a block of text for a terminal. */
export function bannerText(facts: ReadyFacts): string {
  const rows: [string, string][] = [];
  if (facts.apiUrl) {
    rows.push(['API', facts.apiUrl]);
    rows.push(['API docs', `${facts.apiUrl}/api/docs`]);
    rows.push(['Bull Board', `${facts.apiUrl}/admin/queues  (an admin key as the password)`]);
  }
  if (facts.healthUrl) rows.push(['health', facts.healthUrl]);
  rows.push(['PostgreSQL', facts.database]);
  rows.push(['Redis', facts.redisCrashLoses ? `${facts.redis}  (a Redis crash loses ${facts.redisCrashLoses})` : facts.redis]);
  rows.push(['program', facts.program]);
  rows.push(['.env', facts.envFile ? `${facts.envFile}  (variables already set in the environment win)` : 'none (cp .env.example .env to make one)']);
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    '',
    `  points-engine ${facts.process} is ready: ${facts.roles.join(', ')}`,
    '',
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    '',
    '  Next: make an API key (its secret is shown once), then send events with it:',
    `    ${facts.nextStep}`,
    '',
    '',
  ].join('\n');
}

/** The banner as fields of one JSON log line (`msg: "ready"`), so JSON logs stay one record per line. */
export function bannerRecord(facts: ReadyFacts): Record<string, unknown> {
  return {
    roles: facts.roles,
    ...(facts.apiUrl ? { api_url: facts.apiUrl, docs_url: `${facts.apiUrl}/api/docs`, bull_board_url: `${facts.apiUrl}/admin/queues` } : {}),
    ...(facts.healthUrl ? { health_url: facts.healthUrl } : {}),
    database: facts.database,
    redis: facts.redis,
    program: facts.program,
    env_file: facts.envFile,
    next_step: facts.nextStep,
  };
}

/**
 * The start-up banner, once the process is ready (after signals.ready), at info level: a block of
 * text when the logs are pretty (someone is reading a terminal), one `ready` record when they are
 * JSON (a collector is reading: every line stays parseable).
 */
export function announceReady(logger: Logger, format: LogFormat, facts: ReadyFacts): void {
  if (!logger.isLevelEnabled('info')) return;
  if (format === 'pretty') process.stdout.write(bannerText(facts));
  else logger.info({ banner: bannerRecord(facts) }, 'ready');
}

/** announceReady for a booted process (boot's config, logger, format and Redis persistence). */
export function announceBooted(
  booted: { config: Readonly<Env>; logger: Logger; logFormat: LogFormat; redisDurability: { durable: boolean; processCrashLoses: string } },
  options: { process: string; roles: readonly string[]; apiPort?: number },
): void {
  const { config, logger, logFormat, redisDurability } = booted;
  announceReady(logger, logFormat, readyFacts(config, { ...options, ...(redisDurability.durable ? {} : { redisCrashLoses: redisDurability.processCrashLoses }) }));
}
