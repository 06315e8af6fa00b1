// Pure: assessRedisDurability decides from plain settings; this file needs no services.
import { describe, expect, it } from 'vitest';
import { assessRedisDurability, type RedisPersistence } from '@points-engine/jobs';

const base: RedisPersistence = { source: 'config', appendonly: true, appendfsync: 'everysec', save: '', maxmemoryPolicy: 'noeviction' };

describe('assessRedisDurability: what a crash loses under each setting', () => {
  it.each<[string, Partial<RedisPersistence>, boolean, RegExp, RegExp]>([
    ['AOF, fsync always', { appendfsync: 'always' }, true, /^nothing acknowledged$/, /nothing acknowledged/],
    ['AOF, fsync everysec', {}, true, /^nothing acknowledged \(up to 2 s/, /about 1 s/],
    ['AOF, fsync no', { appendfsync: 'no' }, true, /^nothing acknowledged \(up to 2 s/, /30 s/],
    ['AOF, fsync unknown (INFO only)', { source: 'info', appendfsync: null, save: null }, true, /^nothing acknowledged/, /everysec/],
    ['no AOF, no snapshots', { appendonly: false }, false, /whole queue/, /whole queue/],
    ['no AOF, Redis default snapshots', { appendonly: false, save: '3600 1 300 100 60 10000' }, false, /since the last RDB snapshot \(save "3600 1 300 100 60 10000"\)/, /since the last RDB snapshot/],
    ['no AOF, snapshots unknown', { appendonly: false, save: null, source: 'info', appendfsync: null }, false, /if snapshots are on/, /if snapshots are on/],
    ['AOF but an evicting policy', { maxmemoryPolicy: 'allkeys-lru' }, false, /evicted/, /evicted/],
    ['AOF, policy unknown', { maxmemoryPolicy: null }, true, /^nothing acknowledged/, /about 1 s/],
  ])('%s', (_label, settings, durable, processCrash, machineCrash) => {
    const assessed = assessRedisDurability({ ...base, ...settings });
    expect(assessed.durable).toBe(durable);
    expect(assessed.problems.length === 0).toBe(durable);
    expect(assessed.processCrashLoses).toMatch(processCrash);
    expect(assessed.machineCrashLoses).toMatch(machineCrash);
  });

  it('names each problem: AOF off and an evicting policy together', () => {
    const assessed = assessRedisDurability({ ...base, appendonly: false, maxmemoryPolicy: 'volatile-lru' });
    expect(assessed.problems).toHaveLength(2);
    expect(assessed.problems.join(' ')).toMatch(/appendonly is off.*maxmemory-policy is volatile-lru/);
  });
});
