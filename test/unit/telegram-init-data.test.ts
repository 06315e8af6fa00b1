// Pure: Telegram Mini App initData validation (node:crypto, a clock passed in); this file needs no services.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signInitData, validateInitData } from '@points-engine/auth';

const BOT_TOKEN = '123456:TEST-bot-token-for-init-data';
const NOW = Date.parse('2025-06-01T12:00:00Z');
const authDate = (secondsAgo: number) => String(Math.floor(NOW / 1000) - secondsAgo);
const user = JSON.stringify({ id: 4242, first_name: 'Иван', username: 'ivan', language_code: 'ru' });

/** Signed the way https://core.telegram.org/bots/webapps describes, written out here independently of signInitData. */
function telegramSigned(fields: Record<string, string>, token = BOT_TOKEN): string {
  const dataCheck = Object.keys(fields)
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join('\n');
  const secret = createHmac('sha256', 'WebAppData').update(token).digest();
  const hash = createHmac('sha256', secret).update(dataCheck).digest('hex');
  return new URLSearchParams({ ...fields, hash }).toString();
}

describe('validateInitData', () => {
  it('accepts initData signed with the bot token and returns the user', () => {
    const initData = telegramSigned({ query_id: 'AAH1', user, auth_date: authDate(60) });
    expect(validateInitData(initData, BOT_TOKEN, NOW, 86_400)).toEqual({
      ok: true,
      authDate: Number(authDate(60)),
      user: { id: '4242', firstName: 'Иван', username: 'ivan', languageCode: 'ru' },
    });
  });

  it('agrees with signInitData (the helper tests and local tools use)', () => {
    const initData = signInitData({ user, auth_date: authDate(5) }, BOT_TOKEN);
    expect(validateInitData(initData, BOT_TOKEN, NOW)).toMatchObject({ ok: true, user: { id: '4242' } });
  });

  it.each([
    { name: 'a hash signed with another bot token', initData: () => telegramSigned({ user, auth_date: authDate(60) }, '999999:ANOTHER-bot-token-xxxxxxxx') },
    { name: 'a user id changed after signing', initData: () => telegramSigned({ user, auth_date: authDate(60) }).replace('4242', '4243') },
    { name: 'auth_date moved after signing', initData: () => telegramSigned({ user, auth_date: authDate(90_000) }).replace(authDate(90_000), authDate(10)) },
    { name: 'a field added after signing', initData: () => `${telegramSigned({ user, auth_date: authDate(60) })}&start_param=admin` },
    { name: 'a hash of all zeroes', initData: () => new URLSearchParams({ user, auth_date: authDate(60), hash: '0'.repeat(64) }).toString() },
  ])('refuses a forged signature: $name', ({ initData }) => {
    expect(validateInitData(initData(), BOT_TOKEN, NOW, 86_400)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it.each([
    { name: 'older than max age', secondsAgo: 86_401, maxAge: 86_400 },
    { name: 'older than a shorter max age', secondsAgo: 301, maxAge: 300 },
    { name: 'dated more than a minute in the future', secondsAgo: -120, maxAge: 86_400 },
  ])('refuses expired initData: $name', ({ secondsAgo, maxAge }) => {
    const initData = telegramSigned({ user, auth_date: authDate(secondsAgo) });
    expect(validateInitData(initData, BOT_TOKEN, NOW, maxAge)).toEqual({ ok: false, reason: 'expired' });
  });

  it('accepts initData exactly at max age (the bound is inclusive)', () => {
    const initData = telegramSigned({ user, auth_date: authDate(300) });
    expect(validateInitData(initData, BOT_TOKEN, NOW, 300).ok).toBe(true);
  });

  it.each<{ name: string; fields: Record<string, string> }>([
    { name: 'no user field', fields: { auth_date: authDate(60), query_id: 'AAH1' } },
    { name: 'a user without an id', fields: { auth_date: authDate(60), user: JSON.stringify({ first_name: 'x' }) } },
    { name: 'a user id that is an object', fields: { auth_date: authDate(60), user: JSON.stringify({ id: { n: 1 } }) } },
  ])('refuses initData without a user: $name', ({ fields }) => {
    expect(validateInitData(telegramSigned(fields), BOT_TOKEN, NOW)).toEqual({ ok: false, reason: 'no_user' });
  });

  it.each([
    { name: 'empty string', initData: () => '' },
    { name: 'no hash', initData: () => new URLSearchParams({ user, auth_date: authDate(60) }).toString() },
    { name: 'a hash that is not 64 hex characters', initData: () => new URLSearchParams({ user, auth_date: authDate(60), hash: 'abc' }).toString() },
    { name: 'a signed auth_date that is not a number', initData: () => telegramSigned({ user, auth_date: 'yesterday' }) },
    { name: 'no auth_date (signed)', initData: () => telegramSigned({ user }) },
    { name: 'a signed user that is not JSON', initData: () => telegramSigned({ user: '{id: 42', auth_date: authDate(60) }) },
    { name: 'plain text', initData: () => 'not init data at all' },
  ])('refuses malformed initData: $name', ({ initData }) => {
    expect(validateInitData(initData(), BOT_TOKEN, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
});
