import type { z } from 'zod';
import { badRequest } from '../errors.ts';

/** Parses input with a schema or throws a 400 naming the first offending field. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  throw badRequest(path || '(body)', issue?.message ?? 'invalid');
}
