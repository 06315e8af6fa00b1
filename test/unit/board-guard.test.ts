// Pure: which Bull Board requests pass the guard (no services).
import { describe, expect, it } from 'vitest';
import { crossSiteReason, isAllowedBoardAction } from '../../apps/api/src/middleware/board-guard.ts';

describe('Bull Board actions (issue 10 item 10: read, retry and clean only)', () => {
  it.each([
    '/api/queues/pause', '/api/queues/resume', '/api/queues/events-0/pause', '/api/queues/events-0/resume/',
    '/api/queues/events-0/retry/failed', '/api/queues/events-0/retry/completed', '/api/queues/events-0/clean/failed', '/api/queues/events-0/clean/completed',
    '/api/queues/events-0/ev-abc/retry', '/api/queues/events-0/ev-abc/clean', '/API/QUEUES/events-0/ev-abc/RETRY',
  ])('allows %s', (path) => {
    expect(isAllowedBoardAction(path)).toBe(true);
  });

  it.each([
    '/api/queues/events-0/add', '/API/queues/events-0/ADD/', '/api/queues/events-0/ev-abc/update-data', '/api/queues/events-0/ev-abc/delay', '/api/queues/events-0/ev-abc/priority',
    '/api/queues/events-0/ev-abc/promote', '/api/queues/events-0/promote', '/api/queues/events-0/empty', '/api/queues/events-0/obliterate',
    '/api/queues/events-0/clean/wait', '/api/queues/events-0/clean/delayed', '/api/queues/events-0/clean/active', '/api/queues/maintenance/job-schedulers/cycle/run',
    '/api/queues/maintenance/job-schedulers/cycle/remove', '/api/queues/maintenance/job-schedulers/cycle', '/api/queues/events-0/concurrency', '/api/queues/events-0/rate-limit',
    '/api/queues/events-0/rate-limit/release', '/api/queues/events-0/ev-abc/remove-unprocessed-children', '//api/queues/pause', '/api/queues/events-0/add/../pause',
  ])('refuses %s', (path) => {
    expect(isAllowedBoardAction(path)).toBe(false);
  });
});

describe('crossSiteReason (issue 10 item 10: a state-changing board request must come from the board)', () => {
  const req = (method: string, headers: Record<string, string | undefined>, host = 'points.example:3000') => ({
    method,
    host,
    get: (name: string) => headers[name.toLowerCase()],
  }) as unknown as Parameters<typeof crossSiteReason>[0];

  it.each([
    { name: "the board's own retry: PUT, no body, same origin", method: 'PUT', headers: { 'sec-fetch-site': 'same-origin', origin: 'http://points.example:3000' } },
    { name: 'a JSON body from the same origin', method: 'PUT', headers: { origin: 'http://points.example:3000', 'content-type': 'application/json; charset=utf-8', 'content-length': '2' } },
    { name: 'a script without browser headers (curl): PUT without a body', method: 'PUT', headers: {} },
    { name: 'a JSON POST without browser headers', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '2' } },
  ])('passes $name', ({ method, headers }) => {
    expect(crossSiteReason(req(method, headers))).toBeNull();
  });

  it.each([
    { name: 'the attack: a cross-site text/plain POST', method: 'POST', headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example', 'content-type': 'text/plain', 'content-length': '40' } },
    { name: 'text/plain without Sec-Fetch-Site or Origin (an old browser)', method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': '40' } },
    { name: 'a urlencoded form', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '5' } },
    { name: 'a multipart form', method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': '5' } },
    { name: 'a no-cors POST without a body', method: 'POST', headers: {} },
    { name: 'a same-site subdomain', method: 'PUT', headers: { 'sec-fetch-site': 'same-site' } },
    { name: 'another origin', method: 'PUT', headers: { origin: 'http://points.example:3001' } },
    { name: 'an opaque origin', method: 'PUT', headers: { origin: 'null' } },
    { name: 'a body that claims JSON only as a prefix', method: 'PUT', headers: { 'content-type': 'application/jsonp', 'content-length': '2' } },
    { name: 'a chunked body without a content type', method: 'PUT', headers: { 'transfer-encoding': 'chunked' } },
  ])('refuses $name', ({ method, headers }) => {
    expect(crossSiteReason(req(method, headers))).not.toBeNull();
  });
});
