// Pure: the reference bot's parsing, catalogue and configuration, over plain data; this file needs no services.
import { describe, expect, it } from 'vitest';
import { BotConfigError, langOfCode, loadBotConfig, parseAdjustment, starsCatalogue, starsProduct } from '@points-engine/bot';
import { defaultProgram, defaultProgramInput, programSchema } from '@points-engine/domain';

describe('parseAdjustment: /points_grant and /points_deduct arguments', () => {
  it.each([
    { args: '42 100', expected: { userId: '42', amount: 100, reason: null } },
    { args: '  42   100   ticket 17: lost generation ', expected: { userId: '42', amount: 100, reason: 'ticket 17: lost generation' } },
    { args: 'tg_42 1', expected: { userId: 'tg_42', amount: 1, reason: null } },
    { args: '', expected: null },
    { args: '42', expected: null },
    { args: '42 0', expected: null },
    { args: '42 -5', expected: null },
    { args: '42 1.5', expected: null },
    { args: '42 1e3', expected: null },
    { args: '42 9999999999999999', expected: null },
    { args: 'no/slashes 5', expected: null },
  ])('$args', ({ args, expected }) => {
    expect(parseAdjustment(args)).toEqual(expected);
  });
});

describe('the Stars catalogue the bot sells from', () => {
  it('lists every paid tier and credit pack of the program with its Stars price', () => {
    expect(starsCatalogue(defaultProgram).map((p) => [p.spec, p.stars])).toEqual([
      ['sub:BASIC', 150], ['sub:PREMIUM', 350], ['sub:VIP', 750], ['pack:small', 100], ['pack:medium', 500], ['pack:large', 1_000],
    ]);
    expect(starsProduct(defaultProgram, 'sub:PREMIUM:3')).toMatchObject({ stars: 1_050, grants: { bonus: 4_500, tier: 'PREMIUM', periodDays: 90 } });
    expect(starsProduct(defaultProgram, 'pack:small')?.grants).toEqual({ credit: 1_000, bonus: 0, tier: null, periodDays: null });
  });

  it('rounds a fractional price up (never in the buyer’s favour) and refuses what is not sold for stars', () => {
    // 100 credit = 10 stars: 105 credit is 10.5 stars, sold for 11.
    expect(starsProduct(defaultProgram, 'credit:105')?.stars).toBe(11);
    expect(starsProduct(defaultProgram, 'sub:FREE')).toBeNull();
    expect(starsProduct(defaultProgram, 'pack:huge')).toBeNull();
    expect(starsProduct(defaultProgram, 'constructor')).toBeNull();
    const noStars = programSchema.parse({ ...defaultProgramInput, credit_packs: { small: { credit: 1_000, prices: { ton: '700000000' } } } });
    expect(starsProduct(noStars, 'pack:small')).toBeNull();
    expect(starsCatalogue(noStars).map((p) => p.spec)).not.toContain('pack:small');
  });
});

describe('the bot configuration', () => {
  const required = { TELEGRAM_BOT_TOKEN: '123456:AAbbccddeeffgghhiijjkkllmmnn', ENGINE_READER_KEY: 'pe_0123456789ab.secretsecretsecret' };

  it('has working defaults and parses the admin list', () => {
    const config = loadBotConfig({ ...required, BOT_ADMIN_IDS: ' 42, 43 ,', ENGINE_ADMIN_KEY: '' });
    expect(config).toMatchObject({ TELEGRAM_API_ROOT: 'https://api.telegram.org', ENGINE_URL: 'http://127.0.0.1:3000', QUEUE_PREFIX: 'pe', QUEUE_PARTITIONS: 4, BOT_ADMIN_IDS: ['42', '43'], BOT_SPEND_TIMEOUT_MS: 10_000 });
    // An empty value is unset: admin commands and payments are off.
    expect(config.ENGINE_ADMIN_KEY).toBeUndefined();
    expect(config.TELEGRAM_STARS_WEBHOOK_SECRET).toBeUndefined();
  });

  it('names every bad variable and never echoes a secret', () => {
    try {
      loadBotConfig({ ...required, TELEGRAM_STARS_WEBHOOK_SECRET: 'short', ENGINE_URL: 'ftp://x', QUEUE_PARTITIONS: '0' });
      expect.fail('expected a BotConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(BotConfigError);
      const problems = (error as BotConfigError).problems;
      expect(problems.map((p) => p.split(':')[0])).toEqual(['ENGINE_URL', 'TELEGRAM_STARS_WEBHOOK_SECRET', 'QUEUE_PARTITIONS']);
      expect(problems.join('\n')).not.toContain('short');
    }
  });

  it.each([
    ['ru', 'ru'], ['ru-RU', 'ru'], ['RU', 'ru'], ['en', 'en'], ['de', 'en'], [undefined, 'en'],
  ] as const)('language_code %s speaks %s', (code, lang) => {
    expect(langOfCode(code)).toBe(lang);
  });
});
