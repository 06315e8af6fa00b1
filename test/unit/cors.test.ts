// Pure: CORS_ORIGINS parsing and the CORS headers of a request (no services).
import { describe, expect, it } from 'vitest';
import { corsOriginsSchema, loadConfig } from '@points-engine/config';
import { CORS_MAX_AGE_SECONDS, corsAnswer } from '../../apps/api/src/middleware/cors.ts';

describe('CORS_ORIGINS', () => {
  it.each([
    { value: undefined, origins: [] },
    { value: '', origins: [] },
    { value: '*', origins: '*' },
    { value: ' * ', origins: '*' },
    { value: 'https://mini.example', origins: ['https://mini.example'] },
    { value: 'https://mini.example, http://localhost:5173,https://mini.example', origins: ['https://mini.example', 'http://localhost:5173'] },
  ])('accepts $value', ({ value, origins }) => {
    expect(corsOriginsSchema.parse(value)).toEqual(origins);
  });

  it.each([
    { value: '*,https://mini.example', problem: /alone/ },
    { value: 'null', problem: /sandboxed/ },
    { value: 'mini.example', problem: /not an origin/ },
    { value: 'https://mini.example/', problem: /write https:\/\/mini\.example$/ },
    { value: 'https://Mini.Example', problem: /write https:\/\/mini\.example$/ },
    { value: 'https://mini.example:443', problem: /write https:\/\/mini\.example$/ },
    { value: 'https://mini.example/app', problem: /write https:\/\/mini\.example$/ },
    { value: 'ftp://mini.example', problem: /only http and https/ },
  ])('refuses $value', ({ value, problem }) => {
    const parsed = corsOriginsSchema.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message).join('\n')).toMatch(problem);
  });

  it('is part of the environment, unset by default (no CORS headers: the behaviour before it existed)', () => {
    expect(loadConfig({}).CORS_ORIGINS).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example,https://b.example' }).CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example/' })).toThrow(/CORS_ORIGINS/);
  });
});

describe('corsAnswer', () => {
  const routes = new Map([['/api/points/balance', ['get']]]);
  const listed = ['https://mini.example'];
  const get = (origin?: string, path = '/api/points/balance') => ({ method: 'GET', path, origin, requestMethod: undefined });
  const preflight = (origin?: string, path = '/api/points/balance') => ({ method: 'OPTIONS', path, origin, requestMethod: 'GET' });

  it('leaves routes not opened to browsers alone', () => {
    expect(corsAnswer(listed, routes, get('https://mini.example', '/api/points/events'))).toBeNull();
    expect(corsAnswer('*', routes, preflight('https://mini.example', '/api/admin/config'))).toBeNull();
  });

  it('a listed origin: its own origin back, Vary: Origin, and the rate-limit headers readable', () => {
    expect(corsAnswer(listed, routes, get('https://mini.example'))).toEqual({
      headers: { 'Access-Control-Allow-Origin': 'https://mini.example', 'Access-Control-Expose-Headers': 'Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset' },
      varyOrigin: true,
      preflight: false,
    });
  });

  it('a listed origin\'s preflight: methods, headers and max age, answered at once', () => {
    const answer = corsAnswer(listed, routes, preflight('https://mini.example'));
    expect(answer?.preflight).toBe(true);
    expect(answer?.headers).toEqual({
      'Access-Control-Allow-Origin': 'https://mini.example',
      'Access-Control-Allow-Methods': 'GET',
      'Access-Control-Allow-Headers': 'Authorization, X-Telegram-Init-Data, X-API-Key, Content-Type, Accept-Language',
      'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
    });
  });

  it.each([
    { name: 'an unlisted origin', origin: 'https://evil.example' },
    { name: 'a listed origin spelled differently', origin: 'https://MINI.example' },
    { name: 'a listed origin with a path', origin: 'https://mini.example/' },
    { name: 'a sandboxed page', origin: 'null' },
  ])('$name: no CORS header at all, preflight or not (but still Vary: Origin, for caches)', ({ origin }) => {
    for (const request of [get(origin), preflight(origin)]) {
      const answer = corsAnswer(listed, routes, request);
      expect(answer?.headers).toEqual({});
      expect(answer?.varyOrigin).toBe(true);
      expect(answer?.preflight).toBe(request.method === 'OPTIONS');
    }
  });

  it('a request without Origin (not from a browser page of another origin) gets no CORS header', () => {
    expect(corsAnswer(listed, routes, get(undefined))?.headers).toEqual({});
    // OPTIONS without Origin or Access-Control-Request-Method is no preflight: it goes on to the routes.
    expect(corsAnswer(listed, routes, { method: 'OPTIONS', path: '/api/points/balance', origin: undefined, requestMethod: 'GET' })?.preflight).toBe(false);
    expect(corsAnswer(listed, routes, { method: 'OPTIONS', path: '/api/points/balance', origin: 'https://mini.example', requestMethod: undefined })?.preflight).toBe(false);
  });

  it('`*`: any origin, as `*` (the answer does not vary by origin)', () => {
    expect(corsAnswer('*', routes, get('https://anyone.example'))).toMatchObject({ headers: { 'Access-Control-Allow-Origin': '*' }, varyOrigin: false });
    expect(corsAnswer('*', routes, preflight('https://anyone.example'))?.headers['Access-Control-Allow-Methods']).toBe('GET');
  });
});
