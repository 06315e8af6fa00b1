// Pure: the classification reads only the error object; this file needs no services.
import { describe, expect, it } from 'vitest';
import { isDependencyUnavailable } from '@points-engine/db';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDependencyUnavailable: an outage (wait for it) or not (a rule, data or programming error)', () => {
  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), true],
    ['connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    ['both addresses of localhost refused', new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' }), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })]), true],
    ['57P01 admin shutdown (pg_terminate_backend, pg_ctl stop)', pgError('57P01', 'terminating connection due to administrator command'), true],
    ['57P02 crash shutdown', pgError('57P02'), true],
    ['57P03 the database system is starting up', pgError('57P03', 'the database system is starting up'), true],
    ['08006 connection failure', pgError('08006'), true],
    ['08003 connection does not exist', pgError('08003'), true],
    ['53300 too many connections', pgError('53300', 'sorry, too many clients already'), true],
    ['53100 disk full', pgError('53100'), true],
    ['pg: connection lost mid-query', new Error('Connection terminated unexpectedly'), true],
    ['pg-pool: no connection in time', new Error('timeout exceeded when trying to connect'), true],
    ['ioredis: retries per request used up', Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' }), true],
    ['ioredis: connection closed', new Error('Connection is closed.'), true],
    ['08P01 protocol violation (a bug)', pgError('08P01'), false],
    ['40001 serialization failure (retried in the transaction)', pgError('40001'), false],
    ['23505 unique violation', pgError('23505'), false],
    ['22003 numeric out of range', pgError('22003'), false],
    ['57014 query canceled (not the 57P class)', pgError('57014'), false],
    ['42P01 undefined table', pgError('42P01'), false],
    ['a code that only starts like a class', pgError('08'), false],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'x')"), false],
    ['an aggregate of bugs', new AggregateError([new Error('a'), new Error('b')]), false],
    ['a string', 'ECONNREFUSED', false],
    ['null', null, false],
  ])('%s → %s', (_label, error, expected) => {
    expect(isDependencyUnavailable(error)).toBe(expected);
  });
});
