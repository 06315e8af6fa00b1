import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from '../errors.ts';

/**
 * The Bull Board actions an operator may take (@bull-board/api 9.10.1's routes, below its API
 * base): pause and resume; retry a job, or every failed or completed one; remove a job, or every
 * failed or completed one — all of them PUTs without a body. Cleaning waiting, delayed or active
 * jobs in bulk would drop accepted events, so only finished ones go in bulk. Anything else that
 * changes state is refused: adding a job (an event the ledger would apply with no scope
 * check and no operator), editing a job's data, priority or delay, promoting a delayed job (an
 * event job waiting out a retry backoff runs by itself; a maintenance job is a schedule, promoting
 * it would run a cycle or day boundary early), emptying or obliterating a queue (accepted events
 * lost), job schedulers, concurrency and rate-limit settings. Matched case-insensitively with an
 * optional trailing slash, as Express routes them.
 */
const ALLOWED_ACTIONS: readonly RegExp[] = [
  /^\/api\/queues\/(pause|resume)\/?$/i,
  /^\/api\/queues\/[^/]+\/(pause|resume)\/?$/i,
  /^\/api\/queues\/[^/]+\/(retry|clean)\/(failed|completed)\/?$/i,
  /^\/api\/queues\/[^/]+\/[^/]+\/(retry|clean)\/?$/i,
];

/** Whether a state-changing Bull Board request (its path below the board's mount) is an allowed action. */
export const isAllowedBoardAction = (path: string): boolean => ALLOWED_ACTIONS.some((pattern) => pattern.test(path));

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Methods a page of another site can send without a CORS preflight (which this server never grants). */
const SIMPLE_METHODS = new Set(['GET', 'HEAD', 'POST']);

/** Why a state-changing request may not come from the board's own page, or null if it may. */
export function crossSiteReason(req: Pick<Request, 'method' | 'get' | 'host'>): string | null {
  const site = req.get('sec-fetch-site')?.toLowerCase();
  if (site === 'cross-site' || site === 'same-site') return `Sec-Fetch-Site is ${site}`;
  const origin = req.get('origin');
  if (origin !== undefined) {
    let host: string | null = null;
    try {
      host = new URL(origin).host;
    } catch {
      // "null" (a sandboxed page, a redirect) or garbage: not this host
    }
    if (host === null || host.toLowerCase() !== (req.host ?? '').toLowerCase()) return `Origin ${origin} is not this host`;
  }
  const type = req.get('content-type');
  const hasBody = type !== undefined || Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  // A cross-site form or no-cors fetch can POST text/plain, urlencoded or multipart bodies, or none;
  // JSON, and PUT/PATCH/DELETE, need a preflight first. The board's own PUTs carry no body.
  if (hasBody && !/^application\/json\s*(;|$)/i.test(type ?? '')) return 'the body is not application/json';
  if (!hasBody && SIMPLE_METHODS.has(req.method.toUpperCase())) return `a ${req.method} without a JSON body`;
  return null;
}

/**
 * Before the Bull Board router (and after the admin key check): reads pass; a state-changing
 * request must come from the board's own page (crossSiteReason) and be one of ALLOWED_ACTIONS,
 * else 403 and the board never sees it. Basic credentials are replayed by the browser to any
 * site's request, which is what made a cross-site text/plain POST able to add a job.
 */
export function boardGuard(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (READS.has(req.method.toUpperCase())) return next();
    const crossSite = crossSiteReason(req);
    if (crossSite) throw new HttpError(403, 'forbidden', `Bull Board: refused a request that may come from another site (${crossSite})`);
    if (!isAllowedBoardAction(req.path)) {
      throw new HttpError(403, 'forbidden', 'Bull Board is read, retry and clean only: this action is not allowed (docs/security.md)');
    }
    next();
  };
}
