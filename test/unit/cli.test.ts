// Pure: the CLI's option parsers, its key table and its usage errors, run in-process with captured output; no command here reaches a database.
import { describe, expect, it } from 'vitest';
import { SCOPES } from '@points-engine/auth';
import { UNAPPLIED_AFTER_SECONDS } from '@points-engine/runtime';
import { runCli } from '../../apps/cli/src/cli.ts';
import { commandLine } from '../../apps/cli/src/cli-errors.ts';
import { keyId, SCOPE_HELP, wholeNumber } from '../../apps/cli/src/cli-options.ts';
import { formatKeyTable, keyState, type ListedKey } from '../../apps/cli/src/key-list.format.ts';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}

describe('usage', () => {
  it.each([['--help'], ['-h'], ['help'], ['help', 'keys'], ['keys', 'create', '--help'], ['reconcile', '--help']])('%s prints the usage and exits 0', async (...argv) => {
    const { code, out, err } = await cli(...argv);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: points-engine/);
    expect(err).toBe('');
  });

  it.each([
    [['reconcile', '--batch', 'abc'], "error: option '--batch <n>' argument 'abc' is invalid. Expected a whole number from 1 to 1000000."],
    [['reconcile', '--batch', '0'], "error: option '--batch <n>' argument '0' is invalid. Expected a whole number from 1 to 1000000."],
    [['reconcile', '--unapplied-after', '-5'], "error: option '--unapplied-after <seconds>' argument '-5' is invalid. Expected a whole number of seconds from 0 to 315360000."],
    [['reconcile', '--bogus'], "error: unknown option '--bogus'"],
    [['keys', 'list', '--jsn'], "error: unknown option '--jsn'\n(Did you mean --json?)"],
    [['keys', 'create', '--scopes', 'producer'], "error: required option '--name <name>' not specified"],
    [['keys', 'create', '--name', 'bot', '--scopes', 'producer', '--expires-in-days', '1.5'], "error: option '--expires-in-days <n>' argument '1.5' is invalid. Expected a whole number of days from 1 to 99999."],
    [['keys', 'revoke', 'not-an-id'], "error: command-argument value 'not-an-id' is invalid for argument 'id'. Expected a key id: 12 hex digits, as `keys list` shows (the part of a key between pe_ and the dot)."],
    [['keys', 'rotate'], "error: missing required argument 'id'"],
    [['keys', 'list', 'extra'], "error: too many arguments for 'list'. Expected 0 arguments but got 1."],
    [['frobnicate'], "error: unknown command 'frobnicate'"],
  ])('%j: one clear error on stderr, exit 1, no stack', async (argv, message) => {
    const { code, out, err } = await cli(...argv);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.trimEnd()).toBe(message);
  });

  it('a missing command prints the usage on stderr and exits 1', async () => {
    for (const argv of [[], ['keys']]) {
      const { code, out, err } = await cli(...argv);
      expect(code).toBe(1);
      expect(out).toBe('');
      expect(err).toMatch(/^Usage: points-engine/);
    }
  });

  it("reconcile's help shows the runtime's threshold of unapplied events as its default", async () => {
    const help = (await cli('reconcile', '--help')).out.replace(/\s+/g, ' ');
    expect(help).toContain(`report accepted events not applied after this long (default: ${UNAPPLIED_AFTER_SECONDS})`);
  });

  it("the help of keys create lists every scope @points-engine/auth knows", async () => {
    for (const scope of SCOPES) expect(SCOPE_HELP).toMatch(new RegExp(`(^|, )${scope} \\(`));
    expect(SCOPE_HELP.match(/(?:^|, )([a-z]+) \(/g)).toHaveLength(SCOPES.length);
    expect((await cli('keys', 'create', '--help')).out.replace(/\s+/g, ' ')).toContain(SCOPE_HELP);
  });
});

describe('option parsers', () => {
  it.each([['1', 1], ['10000', 10_000], [' 42 ', 42], ['1000000', 1_000_000]])('wholeNumber(1, 1e6) takes %j as %i', (text, value) => {
    expect(wholeNumber(1, 1_000_000)(text)).toBe(value);
  });
  it.each(['', 'abc', '1e3', '0x10', '-1', '1.5', '0', '1000001', '99999999999999999999'])('wholeNumber(1, 1e6) refuses %j', (text) => {
    expect(() => wholeNumber(1, 1_000_000)(text)).toThrow(/Expected a whole number from 1 to 1000000/);
  });
  it('keyId takes 12 lower-case hex digits only', () => {
    expect(keyId('0123456789ab')).toBe('0123456789ab');
    for (const bad of ['0123456789AB', '0123456789a', 'pe_0123456789ab', '0123456789abc']) expect(() => keyId(bad)).toThrow(/12 hex digits/);
  });
});

describe('keys list', () => {
  const NOW = Date.parse('2026-12-05T12:00:00Z');
  const key = (over: Partial<ListedKey>): ListedKey => ({
    id: '0123456789ab', name: 'bot', scopes: ['producer', 'reader'], created_at: new Date('2026-11-01T08:30:59Z'),
    last_used_at: null, expires_at: null, revoked_at: null, ...over,
  });

  it.each<[Partial<ListedKey>, string]>([
    [{}, 'active'],
    [{ expires_at: new Date(NOW + 1) }, 'active'],
    [{ expires_at: new Date(NOW) }, 'expired'],
    [{ revoked_at: new Date(NOW - 1) }, 'revoked'],
    [{ revoked_at: new Date(NOW - 1), expires_at: new Date(NOW - 2) }, 'revoked'],
  ])('%j is %s', (over, state) => {
    expect(keyState(key(over), NOW)).toBe(state);
  });

  it('shows state, created, last used, expires and revoked in aligned columns', () => {
    const table = formatKeyTable(
      [
        key({}),
        key({ id: 'abcdefabcdef', name: 'payments-shop', scopes: ['payments'], last_used_at: new Date('2026-12-05T11:59:00Z'), expires_at: new Date('2027-01-01T00:00:00Z') }),
        key({ id: 'ffffffffffff', name: 'old', revoked_at: new Date('2026-11-20T10:00:00Z') }),
      ],
      NOW,
    );
    expect(table.split('\n')).toEqual([
      'ID            NAME           SCOPES           STATE    CREATED            LAST USED          EXPIRES            REVOKED',
      '0123456789ab  bot            producer,reader  active   2026-11-01 08:30Z  never              never              -',
      'abcdefabcdef  payments-shop  payments         active   2026-11-01 08:30Z  2026-12-05 11:59Z  2027-01-01 00:00Z  -',
      'ffffffffffff  old            producer,reader  revoked  2026-11-01 08:30Z  never              never              2026-11-20 10:00Z',
      '',
    ]);
  });
});

describe('commandLine', () => {
  it('names the npm scripts when the CLI runs from its sources', () => {
    expect(commandLine('migrate')).toBe('npm run migrate');
    expect(commandLine('keys list')).toBe('npm run keys -- list');
    expect(commandLine('reconcile --batch 10')).toBe('npm run reconcile -- --batch 10');
    expect(commandLine('help')).toBe('npm run cli -- help');
  });
});
