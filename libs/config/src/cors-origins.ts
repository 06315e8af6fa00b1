import { z } from 'zod';

/** Any origin may read (CORS `*`): safe only because no route answers with cookies or other ambient credentials. */
export const ANY_ORIGIN = '*';

/** What CORS_ORIGINS allows: `*` (any origin), or a list of exact origins (empty: no CORS headers at all). */
export type CorsOrigins = typeof ANY_ORIGIN | readonly string[];

/** Why `text` is not an origin as browsers send it in `Origin` (scheme://host[:port], lower case, no default port), or null if it is one. */
function originProblem(text: string): string | null {
  // Every sandboxed iframe and file: page sends `Origin: null`: allowing it would allow them all.
  if (text === 'null') return '"null" is the origin of every sandboxed or file: page; it cannot be allowed';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not an origin (scheme://host[:port])`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${text}": only http and https origins`;
  // A browser compares the Origin header byte for byte, so only the exact serialisation can match.
  if (url.origin !== text) return `"${text}" is not an origin as a browser sends it: write ${url.origin}`;
  return null;
}

/**
 * CORS_ORIGINS: a comma list of exact origins (`https://app.example.com,http://localhost:5173`),
 * or `*`; unset or empty means none (no CORS headers: browsers on other origins cannot read).
 */
export const corsOriginsSchema = z
  .string()
  .default('')
  .transform((value, ctx): CorsOrigins => {
    const items = [...new Set(value.split(',').map((item) => item.trim()).filter(Boolean))];
    if (items.includes(ANY_ORIGIN)) {
      if (items.length === 1) return ANY_ORIGIN;
      ctx.addIssue({ code: 'custom', message: '`*` allows every origin: give it alone, or list origins without it' });
      return z.NEVER;
    }
    const problems = items.map(originProblem).filter((problem): problem is string => problem !== null);
    for (const message of problems) ctx.addIssue({ code: 'custom', message });
    return problems.length > 0 ? z.NEVER : items;
  });
