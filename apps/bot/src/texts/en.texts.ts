import type { BotTexts } from './bot-texts.types.ts';

const n = (value: number | string) => (typeof value === 'number' ? value.toLocaleString('en-US') : value);
const pts = (value: number) => `${n(value)} ${Math.abs(value) === 1 ? 'point' : 'points'}`;
const x = (multiplier: number) => `×${multiplier}`;
const signed = (value: number) => (value > 0 ? `+${n(value)}` : n(value));

export const en: BotTexts = {
  welcome: (name, { admin, stars }) =>
    [
      `Hi, ${name}! 👋 Every request earns you points.`,
      '',
      '💬 a message: text request · 🖼 a photo: vision analysis · /chart BTC: technical analysis',
      '/points: your balance, history, rating and how to earn',
      '/level: all levels · /leaderboard: the week\'s rating · /stats: your last 7 days',
      '/image: a paid demo (draws on your allowance, credit and points)',
      stars ? '/buy: subscriptions and credit packs for ⭐ Stars' : null,
      admin ? '\nAdmin: /points_analytics /points_config /points_grant /points_deduct /points_user' : null,
    ]
      .filter((line) => line !== null)
      .join('\n'),
  textAnswer: (length) => `🤖 (demo answer) Your message had ${length} characters. Points for it are on the way: /points`,
  visionAnswer: () => '🖼 (demo answer) Nice picture. Vision analysis points are on the way: /points',
  chartAnswer: (symbol) => `📈 (demo answer) Technical analysis of ${symbol}: trend up, support holds. Points are on the way: /points`,
  points: (b) =>
    [
      `💎 Your points: ${n(b.balance)}`,
      `${b.level_icon} Level ${b.level}: ${b.level_name} (${x(b.earning_multiplier)})`,
      b.next_level_points > 0 ? `➡️ ${pts(b.next_level_points)} to the next level (${Math.round(b.progress_to_next_level * 100)}%)` : '👑 Top level reached',
      `🔥 Streak: ${b.current_streak} (best ${b.longest_streak})`,
      `🎫 Tier: ${b.tier} (${x(b.tier_multiplier)})`,
      `⚡ Allowance: ${n(b.allowance.available)} of ${n(b.allowance.capacity)} · 🔋 Credit: ${n(b.credit.available)}`,
      `📊 Earned ${n(b.lifetime_earned)} · spent ${n(b.lifetime_spent)}`,
    ].join('\n'),
  buttons: { history: '📜 History', rating: '🏆 Rating', howToEarn: '📊 How to earn', back: '⬅️ Back' },
  history: (h, label) =>
    h.items.length === 0
      ? '📜 No transactions yet. Send a message to earn your first points.'
      : [
          '📜 Recent transactions',
          ...h.items.map((item) => {
            const why = item.reason_text ? ` (${item.reason_text})` : '';
            return `${item.created_at.slice(0, 10)} ${label(item.type, item.details)}: ${item.status === 'rejected' ? 'rejected' : signed(item.amount)}${why}`;
          }),
        ].join('\n'),
  rating: (board, self) =>
    [
      `🏆 Rating (${board.period === 'week' ? 'this week' : board.period})`,
      ...(board.items.length === 0 ? ['Nobody earned points yet.'] : board.items.map((row) => `${row.rank}. ${row.level_icon} ${row.user_id === self ? 'you' : row.user_id}: ${pts(row.earned)}`)),
      board.me?.rank ? `\nYour place: ${board.me.rank} (${pts(board.me.earned)})` : '\nYou have not earned points this week yet.',
    ].join('\n'),
  howToEarn: (r) =>
    [
      `📊 How to earn (${r.level.icon} ${r.level.name} ${x(r.level.multiplier)}, ${r.tier.name} ${x(r.tier.multiplier)})`,
      ...r.activities.map((a) => {
        const rate = a.multiplied && a.earns_now !== a.base ? `${a.earns_now} (${a.base} base)` : String(a.earns_now);
        const limit = a.min_interval_seconds > 0 ? `, every ${a.min_interval_seconds} s` : '';
        const claimed = a.daily_login ? (a.claimed_today ? ', claimed today ✅' : ', not claimed today: /start') : '';
        return `• ${a.label}: +${rate}${limit}${claimed}`;
      }),
      `\n📅 Daily cap: ${n(r.daily_cap.limit)}, left today ${n(r.daily_cap.left_today)}`,
      `🔥 Streak ${r.streak.current}: ${r.streak.milestones.map((m) => `${m.days}d +${n(m.bonus)}`).join(', ')}`,
      r.streak.next ? `   next: ${r.streak.next.days} days (+${n(r.streak.next.bonus)}) in ${r.streak.next.logins_needed} login(s)` : '   every milestone reached',
      `👥 Invite a friend: +${n(r.referral.signup_bonus)}, and +${n(r.referral.purchase_bonus)} for each of their purchases`,
      `🎫 Subscriptions: ${r.subscriptions.map((s) => `${s.tier} ${x(s.multiplier)} +${n(s.bonus)}${s.current ? ' (yours)' : ''}`).join(', ')}`,
    ].join('\n'),
  stats: (st) =>
    [
      `📊 Last ${st.days} days: earned ${pts(st.earned)}`,
      ...st.by_type.map((t) => `• ${t.label}: ${signed(t.earned)} (${t.transactions}×)`),
      ...(st.limited.length > 0 ? ['Not counted:', ...st.limited.map((l) => `• ${l.reason_text ?? l.reason}: ${l.count}×`)] : []),
    ].join('\n'),
  levels: (l, current) =>
    ['🏅 Levels', ...l.levels.map((level) => `${level.level === current ? '▶️' : '  '} ${level.icon} ${level.level}. ${level.name}: from ${n(level.threshold)}, ${x(level.multiplier)}`)].join('\n'),
  imageApplied: (cost, balances) =>
    `🎨 (demo) Your image is ready. Charged ${n(cost)}. Left: ⚡ ${n(balances['allowance'] ?? 0)} allowance, 🔋 ${n(balances['credit'] ?? 0)} credit, 💎 ${pts(balances['points'] ?? 0)}.`,
  imageRejected: (reason) => `❌ ${reason}. Earn more with requests and daily logins (/points → 📊 How to earn), or top up with /buy.`,
  stillWorking: () => '⏳ Still working on it: the charge is queued and will be applied. Check /points in a moment.',
  conflict: () => '⚠️ This request was already made with different details; nothing was charged twice.',
  unavailable: () => '⚠️ Points are unavailable right now. Please try again in a minute.',
  notAdmin: () => '⛔ This command is for administrators.',
  adminOff: () => '⛔ Admin commands are off: the bot has no admin key (ENGINE_ADMIN_KEY).',
  usage: (command) =>
    command === 'user' ? 'Usage: /points_user <user_id>' : `Usage: /points_${command} <user_id> <amount> [reason]`,
  analytics: (a) =>
    [
      '📈 Points analytics',
      `Users: ${n(a.totals.users)} · in circulation: ${n(a.totals.points_in_circulation)} (held ${n(a.totals.points_held)}) · credit: ${n(a.totals.credit_in_circulation)}`,
      `Earned: ${n(a.totals.earned)} · spent: ${n(a.totals.spent)}`,
      `\nLast 24 h: ${n(a.last_24h.transactions)} transactions (${n(a.last_24h.applied)} applied, ${n(a.last_24h.rejected)} rejected), ${n(a.last_24h.active_users)} active, ${n(a.last_24h.new_users)} new; earned ${n(a.last_24h.earned)}, spent ${n(a.last_24h.spent)}`,
      '\nBy type:',
      ...a.by_type.map((t) => `• ${t.label}: ${n(t.transactions)} (${n(t.rejected)} rejected), ${n(t.amount)}`),
      '\nLevels:',
      ...a.levels.map((l) => `${l.icon} ${l.name}: ${n(l.users)}`),
      `\n🔥 Streaks: ${n(a.streaks.active)} active, average ${a.streaks.average_active}, longest now ${a.streaks.longest_current}, ever ${a.streaks.longest_ever}`,
      '\nTop 5:',
      ...a.top.map((row) => `${row.rank}. ${row.user_id}: ${n(row.earned)}`),
    ].join('\n'),
  config: (c) => {
    const p = c;
    return [
      '⚙️ Points configuration',
      'Activities:',
      ...Object.entries(p.earning.activities).map(([name, a]) => `• ${name}: ${a.base}${a.min_interval_seconds ? `, every ${a.min_interval_seconds} s` : ''}`),
      `Daily cap: ${n(p.earning.daily_cap)} · referral purchase bonus: ${n(p.earning.referral_purchase_bonus)}`,
      `Streaks: ${Object.entries(p.earning.streak_milestones).map(([days, bonus]) => `${days}d +${n(bonus)}`).join(', ')}`,
      `Tiers: ${Object.entries(p.tiers).map(([name, t]) => `${name} ${x(t.multiplier)}${t.subscription_bonus ? ` +${n(t.subscription_bonus)}` : ''}`).join(', ')}`,
      'Levels:',
      ...p.levels.map((l) => `${l.icon} ${l.level}. ${l.name.en}: ${n(l.threshold)}, ${x(l.multiplier)}`),
    ].join('\n');
  },
  adminUser: (u, label) =>
    [
      `👤 User ${u.user_id} (since ${u.created_at.slice(0, 10)})`,
      en.points(u.balance),
      `Referrer: ${u.referrer_id ?? 'none'} · referrals: ${u.referrals} · open holds: ${u.open_holds.length}`,
      u.tier.ends_at ? `Tier ends ${u.tier.ends_at.slice(0, 10)}` : null,
      '',
      en.history({ items: u.recent_history }, label),
    ]
      .filter((line) => line !== null)
      .join('\n'),
  userNotFound: (id) => `User ${id} has no points record.`,
  adjusted: (kind, userId, a) => {
    if (a.status === 'queued') return `⏳ The ${kind} for ${userId} is queued and will be applied.`;
    if (a.status === 'rejected') return `❌ ${kind} for ${userId} rejected: ${a.reason_text ?? a.reason}`;
    const again = a.replayed ? ' (already applied earlier; not applied twice)' : '';
    return `✅ ${kind === 'grant' ? 'Granted' : 'Deducted'} ${pts(a.amount)} ${kind === 'grant' ? 'to' : 'from'} ${userId}${again}. Balance: ${n(a.balances['points'] ?? 0)}`;
  },
  engineRefused: (message) => `⚠️ The engine refused: ${message}`,
  buyMenu: (products) => (products.length === 0 ? 'Nothing is on sale for Stars.' : '🛒 What would you like to buy?'),
  productTitle: (p) =>
    p.product.type === 'subscription' ? `${p.product.tier} subscription` : p.product.type === 'credit_pack' ? `Credit pack ${p.product.pack}` : `${n(p.grants.credit)} credit`,
  productDescription: (p) =>
    [
      p.grants.tier ? `${p.grants.tier} tier for ${p.grants.periodDays} days` : null,
      p.grants.bonus > 0 ? `+${pts(p.grants.bonus)}` : null,
      p.grants.credit > 0 ? `+${n(p.grants.credit)} credit` : null,
    ]
      .filter((part) => part !== null)
      .join(', ') || p.spec,
  unknownProduct: (spec) => `“${spec}” is not for sale. /buy lists what is.`,
  paymentsOff: () => 'Payments are off in this bot.',
  checkoutRefused: () => 'This product or price is no longer offered. Please open /buy again.',
  paymentReceived: () => '⭐ Payment received, thank you! Your purchase is being credited.',
  paymentRejected: (message) => `⚠️ Your payment was received but could not be credited: ${message}. Please contact support.`,
  refundReceived: () => 'Your refund was recorded; the purchase has been taken back.',
};
