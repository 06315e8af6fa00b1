import { programSchema, type Program, type ProgramInput } from './program.schema.ts';

/**
 * The seeds' values: SYNTRA's earning rates, tiers, levels, streaks and limits, and StationThis's
 * allowance constants (NOCOINERSTARTER 199800, POINTMULTI 540, 1/18 back every 15 minutes).
 * Task prices, credit packs, expiry and every payment price (tiers' and packs' `prices`,
 * `credit_price`) are not in the seeds: they are our example values, to be replaced with your own.
 * The payment prices keep one rate across providers: 100 credit = 10 stars = 0.07 TON = 0.20 USD.
 */
export const defaultProgramInput: ProgramInput = {
  timezone: 'UTC',
  assets: {
    points: { spendable: true, counts_as_experience: true, label: { ru: 'Поинты', en: 'Points' } },
    allowance: { spendable: true, counts_as_experience: true, label: { ru: 'Лимит', en: 'Allowance' } },
    credit: { spendable: true, counts_as_experience: true, label: { ru: 'Заряд', en: 'Charge' } },
    experience: { spendable: false, label: { ru: 'Опыт', en: 'Experience' } },
  },
  earning: {
    activities: {
      text_request: { base: 10, min_interval_seconds: 5, label: { ru: 'Текстовый запрос', en: 'Text request' } },
      vision_request: { base: 20, min_interval_seconds: 10, label: { ru: 'Vision анализ', en: 'Vision analysis' } },
      chart_request: { base: 15, min_interval_seconds: 10, label: { ru: 'Технический анализ', en: 'Technical analysis' } },
      daily_login: { base: 50, multiplied: false, capped: false, daily_login: true, label: { ru: 'Ежедневный вход', en: 'Daily login' } },
      referral_signup: { base: 500, multiplied: false, capped: false, label: { ru: 'Регистрация реферала', en: 'Referral signup' } },
    },
    daily_cap: 10_000,
    streak_milestones: { '1': 50, '3': 150, '7': 500, '14': 1200, '30': 3000, '100': 15000 },
    referral_signup_activity: 'referral_signup',
    referral_purchase_bonus: 1000,
  },
  tiers: {
    FREE: { multiplier: 1.0 },
    BASIC: { multiplier: 1.2, subscription_bonus: 500, period_days: 30, prices: { telegram_stars: 150, ton: '1000000000', nowpayments: { usd: '2.99' } } },
    PREMIUM: { multiplier: 1.5, subscription_bonus: 1500, period_days: 30, prices: { telegram_stars: 350, ton: '2500000000', nowpayments: { usd: '6.99' } } },
    VIP: { multiplier: 2.0, subscription_bonus: 3000, period_days: 30, prices: { telegram_stars: 750, ton: '5000000000', nowpayments: { usd: '14.99' } } },
  },
  default_tier: 'FREE',
  levels: [
    { level: 1, name: { ru: 'Новичок', en: 'Beginner' }, icon: '🌱', threshold: 0, multiplier: 1.0 },
    { level: 2, name: { ru: 'Трейдер', en: 'Trader' }, icon: '📈', threshold: 1_000, multiplier: 1.1 },
    { level: 3, name: { ru: 'Аналитик', en: 'Analyst' }, icon: '🔍', threshold: 5_000, multiplier: 1.2 },
    { level: 4, name: { ru: 'Эксперт', en: 'Expert' }, icon: '⭐', threshold: 15_000, multiplier: 1.3 },
    { level: 5, name: { ru: 'Мастер', en: 'Master' }, icon: '💎', threshold: 50_000, multiplier: 1.5 },
    { level: 6, name: { ru: 'Легенда', en: 'Legend' }, icon: '👑', threshold: 150_000, multiplier: 2.0 },
  ],
  allowance: { no_coiner_starter: 199_800, point_multi: 540, replenish_divisor: 18, cycle_minutes: 15 },
  spending: {
    order: ['allowance', 'credit', 'points'],
    prices: {
      image: { base: 0, per_second: 2 },
      video: { base: 20, per_second: 4 },
      upscale: { base: 10, per_second: 0 },
      chat: { base: 1, per_second: 0 },
    },
    hold_ttl_minutes: 30,
  },
  credit_packs: {
    small: { credit: 1_000, prices: { telegram_stars: 100, ton: '700000000', nowpayments: { usd: '1.99' } } },
    medium: { credit: 5_500, prices: { telegram_stars: 500, ton: '3500000000', nowpayments: { usd: '9.99' } } },
    large: { credit: 12_000, prices: { telegram_stars: 1_000, ton: '7000000000', nowpayments: { usd: '19.99' } } },
  },
  credit_price: { credit: 100, prices: { telegram_stars: 10, ton: '70000000', nowpayments: { usd: '0.20' } } },
  products: {},
  expiry: { points_after_days: 365, warn_days: 7 },
};

/** The default program, validated. */
export const defaultProgram: Program = programSchema.parse(defaultProgramInput);
