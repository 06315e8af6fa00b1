// Pure: webhook signature checks (node:crypto only); this file needs no services.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256Hex, nowPaymentsSignature, sortKeysDeep, verifyNowPaymentsSignature, verifyRawBodySignature, verifySecretToken } from '@points-engine/auth';

// Known answers computed outside this code base (Python: hmac + json.dumps(sort_keys=True,
// separators=(',', ':'), ensure_ascii=False)), so the tests do not share the implementation's sort.
const IPN_SECRET = 'ipn-secret-for-tests';
const SIG_FLAT = '3eeadcb952086f516cfd91de35f32634370c144a827c85e1cf0f0c792f48eaf64529be52e8ed84d8a0589aa98fc5455884e83fa043df15f5cd2d1bb13636b495';
const SIG_NESTED = '915c8edfd778b1401fe248b6137115ded8136736d4ebe2ff3609b155419a2bfd0dc7623cb4e75607452474ed097948aba9bce5a4dd9f07ba890cce233a052de2';
const SIG_UNICODE = 'b6815116c7a2cd9ac61bbd8ddeb7760df51d0880628d7ec68af973fdbe7d175c8a4467bb73d900037452f07496a4e4bf922d3fabeee6db78a9b500080dc5d85d';

const TON_SECRET = 'ton-watcher-secret-0123456789';
const TON_RAW = '{"tx_hash":"abcdef0123456789abcdef","user_id":"42","product":"pack:small","comment":"Оплата ✓"}';
const TON_SIG = 'ffe390f66dcb088838656eea8531a641bad684174f8b441daec1dc82b7b900e9';

describe('NOWPayments IPN signature (HMAC-SHA512 over the body with keys sorted recursively)', () => {
  const cases: { name: string; raw: string; signature: string | undefined; secret?: string; ok: boolean }[] = [
    { name: 'keys already sorted', raw: '{"order_id":"42/pack:small","payment_id":5077125051,"payment_status":"finished","price_amount":9.99,"price_currency":"usd"}', signature: SIG_FLAT, ok: true },
    { name: 'keys in another order', raw: '{"payment_status":"finished","price_currency":"usd","payment_id":5077125051,"price_amount":9.99,"order_id":"42/pack:small"}', signature: SIG_FLAT, ok: true },
    { name: 'whitespace and newlines between tokens', raw: '{\n  "payment_id": 5077125051,\n  "payment_status": "finished",\n  "order_id": "42/pack:small",\n  "price_amount": 9.99,\n  "price_currency": "usd"\n}', signature: SIG_FLAT, ok: true },
    { name: 'upper-case hex signature', raw: '{"payment_id":5077125051,"payment_status":"finished","order_id":"42/pack:small","price_amount":9.99,"price_currency":"usd"}', signature: SIG_FLAT.toUpperCase(), ok: true },
    { name: 'nested objects sorted too, arrays keep their order', raw: '{"payment_status":"finished","items":[{"b":1,"a":2}],"payment_id":1,"fee":{"serviceFee":0.2,"depositFee":0.1,"currency":"btc"}}', signature: SIG_NESTED, ok: true },
    { name: 'unicode (Cyrillic, emoji) as UTF-8', raw: '{"payment_id":2,"order_description":"Подписка ⭐ premium","payment_status":"finished"}', signature: SIG_UNICODE, ok: true },
    { name: 'unicode given as \\u escapes parses to the same value', raw: '{"payment_id":2,"order_description":"\\u041f\\u043e\\u0434\\u043f\\u0438\\u0441\\u043a\\u0430 \\u2b50 premium","payment_status":"finished"}', signature: SIG_UNICODE, ok: true },
    { name: 'tampered amount', raw: '{"order_id":"42/pack:small","payment_id":5077125051,"payment_status":"finished","price_amount":99.9,"price_currency":"usd"}', signature: SIG_FLAT, ok: false },
    { name: 'tampered status', raw: '{"order_id":"42/pack:small","payment_id":5077125051,"payment_status":"finishe","price_amount":9.99,"price_currency":"usd"}', signature: SIG_FLAT, ok: false },
    { name: 'array order changed', raw: '{"payment_status":"finished","items":[{"a":2},{"b":1}],"payment_id":1,"fee":{"serviceFee":0.2,"depositFee":0.1,"currency":"btc"}}', signature: SIG_NESTED, ok: false },
    { name: 'wrong secret', raw: '{"order_id":"42/pack:small","payment_id":5077125051,"payment_status":"finished","price_amount":9.99,"price_currency":"usd"}', signature: SIG_FLAT, secret: 'another-secret', ok: false },
    { name: 'empty secret never verifies', raw: '{}', signature: createHmac('sha512', '').update('{}').digest('hex'), secret: '', ok: false },
    { name: 'truncated signature', raw: '{"order_id":"42/pack:small","payment_id":5077125051,"payment_status":"finished","price_amount":9.99,"price_currency":"usd"}', signature: SIG_FLAT.slice(0, 64), ok: false },
    { name: 'not hex', raw: '{"payment_id":1}', signature: 'z'.repeat(128), ok: false },
    { name: 'missing signature', raw: '{"payment_id":1}', signature: undefined, ok: false },
    { name: 'body that is not JSON', raw: 'payment_id=1', signature: SIG_FLAT, ok: false },
  ];
  it.each(cases)('$name → $ok', ({ raw, signature, secret, ok }) => {
    expect(verifyNowPaymentsSignature(Buffer.from(raw, 'utf8'), signature, secret ?? IPN_SECRET)).toBe(ok);
  });

  it('signs what it verifies, and sorts keys at every depth', () => {
    const body = { b: { d: 1, c: [{ z: 1, y: 2 }] }, a: 'é' };
    expect(JSON.stringify(sortKeysDeep(body))).toBe('{"a":"é","b":{"c":[{"y":2,"z":1}],"d":1}}');
    expect(verifyNowPaymentsSignature(JSON.stringify(body), nowPaymentsSignature(body, IPN_SECRET), IPN_SECRET)).toBe(true);
  });
});

describe('raw-body signature (hex HMAC-SHA256 over the exact bytes)', () => {
  const cases: { name: string; raw: Buffer; signature: string | undefined; secret?: string; ok: boolean }[] = [
    { name: 'exact bytes with unicode', raw: Buffer.from(TON_RAW, 'utf8'), signature: TON_SIG, ok: true },
    { name: 'with a sha256= prefix', raw: Buffer.from(TON_RAW, 'utf8'), signature: `sha256=${TON_SIG}`, ok: true },
    { name: 'same JSON, keys reordered', raw: Buffer.from('{"user_id":"42","tx_hash":"abcdef0123456789abcdef","product":"pack:small","comment":"Оплата ✓"}', 'utf8'), signature: TON_SIG, ok: false },
    { name: 'same JSON, trailing newline', raw: Buffer.from(`${TON_RAW}\n`, 'utf8'), signature: TON_SIG, ok: false },
    { name: 'same text, another encoding', raw: Buffer.from(TON_RAW, 'latin1'), signature: TON_SIG, ok: false },
    { name: 'tampered product', raw: Buffer.from(TON_RAW.replace('pack:small', 'pack:large'), 'utf8'), signature: TON_SIG, ok: false },
    { name: 'wrong secret', raw: Buffer.from(TON_RAW, 'utf8'), signature: TON_SIG, secret: 'ton-watcher-secret-9876543210', ok: false },
    { name: 'signature of another length', raw: Buffer.from(TON_RAW, 'utf8'), signature: `${TON_SIG}00`, ok: false },
    { name: 'missing signature', raw: Buffer.from(TON_RAW, 'utf8'), signature: undefined, ok: false },
    { name: 'empty secret never verifies', raw: Buffer.from('x'), signature: createHmac('sha256', '').update('x').digest('hex'), secret: '', ok: false },
  ];
  it.each(cases)('$name → $ok', ({ raw, signature, secret, ok }) => {
    expect(verifyRawBodySignature(raw, signature, secret ?? TON_SECRET)).toBe(ok);
  });

  it('hmacSha256Hex produces the known answer', () => {
    expect(hmacSha256Hex(Buffer.from(TON_RAW, 'utf8'), TON_SECRET)).toBe(TON_SIG);
  });
});

describe('shared secret token (X-Telegram-Bot-Api-Secret-Token), constant time', () => {
  const secret = 'stars_Secret-0123456789';
  it.each([
    { name: 'equal', presented: secret, ok: true },
    { name: 'same length, one character off', presented: `${secret.slice(0, -1)}8`, ok: false },
    { name: 'a prefix of the secret', presented: secret.slice(0, 10), ok: false },
    { name: 'longer than the secret', presented: `${secret}0`, ok: false },
    { name: 'case differs', presented: secret.toUpperCase(), ok: false },
    { name: 'empty', presented: '', ok: false },
    { name: 'absent', presented: undefined, ok: false },
  ])('$name → $ok', ({ presented, ok }) => {
    expect(verifySecretToken(presented, secret)).toBe(ok);
  });

  it('an unset secret accepts nothing, not even an empty token', () => {
    expect(verifySecretToken('', '')).toBe(false);
  });
});
