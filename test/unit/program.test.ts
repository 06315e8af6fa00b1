// Pure: program schema validation (zod only); this file needs no services.
import { describe, expect, it } from 'vitest';
import { defaultProgram, defaultProgramInput, priceListSchema, programSchema, type ProgramInput } from '@points-engine/domain';

/** A copy of the default program input with one change made by `edit`. */
function edited(edit: (input: ProgramInput) => void): unknown {
  const input = structuredClone(defaultProgramInput);
  edit(input);
  return input;
}

/** The paths of the issues a program is rejected with (fails when it is accepted). */
function rejectionPaths(input: unknown): PropertyKey[][] {
  const result = programSchema.safeParse(input);
  expect(result.success, 'the program should be rejected').toBe(false);
  return result.error?.issues.map((issue) => issue.path) ?? [];
}

describe('the default program', () => {
  it('parses', () => {
    expect(programSchema.safeParse(defaultProgramInput).success).toBe(true);
    expect(programSchema.parse(defaultProgramInput)).toEqual(defaultProgram);
  });

  it('holds the seed values, multipliers in basis points', () => {
    expect(Object.fromEntries(Object.entries(defaultProgram.tiers).map(([tier, rule]) => [tier, [rule.multiplier, rule.subscription_bonus, rule.period_days]]))).toEqual({
      FREE: [10_000, 0, 30],
      BASIC: [12_000, 500, 30],
      PREMIUM: [15_000, 1_500, 30],
      VIP: [20_000, 3_000, 30],
    });
    expect(defaultProgram.levels.map((l) => [l.level, l.threshold, l.multiplier])).toEqual([
      [1, 0, 10_000],
      [2, 1_000, 11_000],
      [3, 5_000, 12_000],
      [4, 15_000, 13_000],
      [5, 50_000, 15_000],
      [6, 150_000, 20_000],
    ]);
    expect(defaultProgram.earning.streak_milestones).toEqual({ '1': 50, '3': 150, '7': 500, '14': 1_200, '30': 3_000, '100': 15_000 });
    expect(defaultProgram.earning.daily_cap).toBe(10_000);
    expect(defaultProgram.earning.referral_purchase_bonus).toBe(1_000);
    expect(defaultProgram.allowance).toEqual({ no_coiner_starter: 199_800, point_multi: 540, replenish_divisor: 18, cycle_minutes: 15 });
    expect(defaultProgram.default_tier).toBe('FREE');
  });

  it('fills activity defaults (multiplied, capped, no interval, not a login)', () => {
    expect(defaultProgram.earning.activities['text_request']).toMatchObject({ base: 10, multiplied: true, capped: true, daily_login: false, min_interval_seconds: 5 });
    expect(defaultProgram.earning.activities['vision_request']).toMatchObject({ base: 20, min_interval_seconds: 10 });
    expect(defaultProgram.earning.activities['chart_request']).toMatchObject({ base: 15, min_interval_seconds: 10 });
    expect(defaultProgram.earning.activities['daily_login']).toMatchObject({ base: 50, multiplied: false, capped: false, daily_login: true, min_interval_seconds: 0 });
    expect(defaultProgram.earning.activities['referral_signup']).toMatchObject({ base: 500, multiplied: false, capped: false, daily_login: false });
  });

  it('prices products per provider: decimals kept exactly as canonical text, nanotons as digits', () => {
    expect(defaultProgram.credit_packs['medium']?.prices).toEqual({ telegram_stars: 500, ton: '3500000000', nowpayments: { usd: '9.99' } });
    expect(defaultProgram.credit_price).toEqual({ credit: 100, prices: { telegram_stars: 10, ton: '70000000', nowpayments: { usd: '0.2' } } });
    const program = programSchema.parse(
      edited((p) => {
        p.credit_packs['small'] = { credit: 1_000, prices: { ton: 700_000_000, nowpayments: { eur: 1.9, btc: '0.00002500' } } };
      }),
    );
    expect(program.credit_packs['small']?.prices).toEqual({ ton: '700000000', nowpayments: { eur: '1.9', btc: '0.000025' } });
    // A price list as the program serialises it (GET /api/admin/config) loads back the same.
    const prices = program.credit_packs['small']?.prices;
    expect(priceListSchema.parse(JSON.parse(JSON.stringify(prices)))).toEqual(prices);
  });

  it('accepts a multiplier with exactly 4 decimals and another IANA zone', () => {
    const program = programSchema.parse(
      edited((p) => {
        p.timezone = 'Europe/Moscow';
        p.tiers['BASIC'] = { multiplier: 1.2345 };
      }),
    );
    expect(program.timezone).toBe('Europe/Moscow');
    expect(program.tiers['BASIC']?.multiplier).toBe(12_345);
    expect(program.tiers['BASIC']?.subscription_bonus).toBe(0); // default
  });
});

describe('rejected programs name the path of the problem', () => {
  it.each([
    {
      label: 'thresholds that do not increase (equal)',
      edit: (p: ProgramInput) => {
        p.levels[2]!.threshold = 1_000;
      },
      path: ['levels', 2, 'threshold'],
    },
    {
      label: 'thresholds that decrease',
      edit: (p: ProgramInput) => {
        p.levels[4]!.threshold = 10_000;
      },
      path: ['levels', 4, 'threshold'],
    },
    {
      label: 'a first level above 0',
      edit: (p: ProgramInput) => {
        p.levels[0]!.threshold = 10;
      },
      path: ['levels', 0, 'threshold'],
    },
    {
      label: 'levels not numbered 1, 2, 3…',
      edit: (p: ProgramInput) => {
        p.levels[1]!.level = 3;
      },
      path: ['levels', 1, 'level'],
    },
    {
      label: 'no levels',
      edit: (p: ProgramInput) => {
        p.levels = [];
      },
      path: ['levels'],
    },
    {
      label: 'default_tier not a tier',
      edit: (p: ProgramInput) => {
        p.default_tier = 'GOLD';
      },
      path: ['default_tier'],
    },
    {
      label: 'a tier multiplier with more than 4 decimals',
      edit: (p: ProgramInput) => {
        p.tiers['BASIC'] = { multiplier: 1.00001 };
      },
      path: ['tiers', 'BASIC', 'multiplier'],
    },
    {
      label: 'a level multiplier with more than 4 decimals',
      edit: (p: ProgramInput) => {
        p.levels[1]!.multiplier = 1.23456;
      },
      path: ['levels', 1, 'multiplier'],
    },
    {
      label: 'a zero multiplier',
      edit: (p: ProgramInput) => {
        p.tiers['FREE'] = { multiplier: 0 };
      },
      path: ['tiers', 'FREE', 'multiplier'],
    },
    {
      label: 'a bad time zone',
      edit: (p: ProgramInput) => {
        p.timezone = 'Mars/Olympus_Mons';
      },
      path: ['timezone'],
    },
    {
      label: 'a referral signup activity that is not an activity',
      edit: (p: ProgramInput) => {
        p.earning.referral_signup_activity = 'invite';
      },
      path: ['earning', 'referral_signup_activity'],
    },
    {
      label: 'an asset twice in the spend order',
      edit: (p: ProgramInput) => {
        p.spending.order = ['allowance', 'credit', 'allowance'];
      },
      path: ['spending', 'order'],
    },
    {
      label: 'a cycle that does not divide the day',
      edit: (p: ProgramInput) => {
        p.allowance.cycle_minutes = 7;
      },
      path: ['allowance', 'cycle_minutes'],
    },
    {
      label: 'a fractional activity base',
      edit: (p: ProgramInput) => {
        p.earning.activities['text_request'] = { base: 10.5 };
      },
      path: ['earning', 'activities', 'text_request', 'base'],
    },
    {
      label: 'a negative daily cap',
      edit: (p: ProgramInput) => {
        p.earning.daily_cap = -1;
      },
      path: ['earning', 'daily_cap'],
    },
    {
      label: 'an empty credit pack',
      edit: (p: ProgramInput) => {
        p.credit_packs['small'] = { credit: 0 };
      },
      path: ['credit_packs', 'small', 'credit'],
    },
    {
      label: 'a price for the default tier (it cannot be sold)',
      edit: (p: ProgramInput) => {
        p.tiers['FREE'] = { multiplier: 1, prices: { telegram_stars: 1 } };
      },
      path: ['tiers', 'FREE', 'prices'],
    },
    {
      label: 'a misspelt provider in a price list',
      edit: (p: ProgramInput) => {
        p.credit_packs['small'] = { credit: 1_000, prices: { stars: 100 } as never };
      },
      path: ['credit_packs', 'small', 'prices'],
    },
    {
      label: 'a fractional Stars price',
      edit: (p: ProgramInput) => {
        p.credit_packs['small'] = { credit: 1_000, prices: { telegram_stars: 99.5 } };
      },
      path: ['credit_packs', 'small', 'prices', 'telegram_stars'],
    },
    {
      label: 'a TON price that is not whole nanotons',
      edit: (p: ProgramInput) => {
        p.tiers['VIP'] = { multiplier: 2, prices: { ton: '1.5' } };
      },
      path: ['tiers', 'VIP', 'prices', 'ton'],
    },
    {
      label: 'a NOWPayments price of 0',
      edit: (p: ProgramInput) => {
        p.credit_packs['small'] = { credit: 1_000, prices: { nowpayments: { usd: '0' } } };
      },
      path: ['credit_packs', 'small', 'prices', 'nowpayments', 'usd'],
    },
    {
      label: 'a NOWPayments price in exponent form',
      edit: (p: ProgramInput) => {
        p.credit_packs['small'] = { credit: 1_000, prices: { nowpayments: { usd: '1e3' } } };
      },
      path: ['credit_packs', 'small', 'prices', 'nowpayments', 'usd'],
    },
    {
      label: 'a credit price per 0 credit',
      edit: (p: ProgramInput) => {
        p.credit_price = { credit: 0, prices: { telegram_stars: 1 } };
      },
      path: ['credit_price', 'credit'],
    },
    {
      label: 'a named product of a tier that does not exist',
      edit: (p: ProgramInput) => {
        p.products = { gold_month: { product: { type: 'subscription', tier: 'GOLD', periods: 1 } } };
      },
      path: ['products', 'gold_month', 'product'],
    },
    {
      label: 'a named product of a pack named constructor',
      edit: (p: ProgramInput) => {
        p.products = { odd: { product: { type: 'credit_pack', pack: 'constructor' } } };
      },
      path: ['products', 'odd', 'product'],
    },
    {
      label: 'a zero point_multi',
      edit: (p: ProgramInput) => {
        p.allowance.point_multi = 0;
      },
      path: ['allowance', 'point_multi'],
    },
  ])('$label → $path', ({ edit, path }) => {
    expect(rejectionPaths(edited(edit))).toEqual([path]);
  });

  it.each([
    { label: 'a lower-case tier name', edit: (p: ProgramInput) => void (p.tiers['vip'] = { multiplier: 2 }), path: ['tiers', 'vip'] },
    {
      label: 'an activity name that is not an identifier',
      edit: (p: ProgramInput) => void (p.earning.activities['Text-Request'] = { base: 1 }),
      path: ['earning', 'activities', 'Text-Request'],
    },
  ])('$label → an issue at $path', ({ edit, path }) => {
    const paths = rejectionPaths(edited(edit));
    expect(paths.length).toBeGreaterThan(0);
    for (const issuePath of paths) expect(issuePath.slice(0, path.length)).toEqual(path);
  });

  it('reports every problem, not only the first', () => {
    const paths = rejectionPaths(
      edited((p) => {
        p.default_tier = 'GOLD';
        p.levels[3]!.threshold = 1;
      }),
    );
    expect(paths).toEqual(expect.arrayContaining([['default_tier'], ['levels', 3, 'threshold']]));
  });

  it('rejects something that is not a program at all', () => {
    expect(programSchema.safeParse(null).success).toBe(false);
    expect(rejectionPaths({ ...structuredClone(defaultProgramInput), spending: undefined })).toEqual([['spending']]);
  });
});
