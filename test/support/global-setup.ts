import type { TestProject } from 'vitest/node';
import { checkPostgres, checkRedis, connectDatabase, dropDatabase, ensureDatabase, migrateToLatest } from '@points-engine/db';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    postgresUrl: string;
    redisUrl: string;
  }
}

// The services every integration test file talks to (the same ones the engine defaults to).
const POSTGRES_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/**
 * Checks PostgreSQL and Redis once, then migrates one template database per run; each test file
 * clones its own database from it (CREATE DATABASE … TEMPLATE), which takes milliseconds.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await checkPostgres(POSTGRES_URL);
  await checkRedis(REDIS_URL);
  const template = `pe_template_${process.pid}_${Date.now().toString(36)}`;
  const templateUrl = withDatabase(POSTGRES_URL, template);
  await ensureDatabase(templateUrl);
  const handle = connectDatabase(templateUrl, { max: 1 });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  project.provide('templateDatabase', template);
  project.provide('postgresUrl', POSTGRES_URL);
  project.provide('redisUrl', REDIS_URL);
  return async () => {
    await dropDatabase(templateUrl);
  };
}

export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
