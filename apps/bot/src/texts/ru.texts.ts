import { plural } from '@points-engine/i18n';
import type { BotTexts } from './bot-texts.types.ts';

const n = (value: number | string) => (typeof value === 'number' ? value.toLocaleString('ru-RU') : value);
const pts = (value: number) => `${n(value)} ${plural('ru', value, { ru: ['поинт', 'поинта', 'поинтов'], en: ['point', 'points'] })}`;
const x = (multiplier: number) => `×${String(multiplier).replace('.', ',')}`;
const signed = (value: number) => (value > 0 ? `+${n(value)}` : n(value));
const periods: Record<string, string> = { day: 'сегодня', week: 'эта неделя', month: 'этот месяц', all: 'за всё время' };

export const ru: BotTexts = {
  welcome: (name, { admin, stars }) =>
    [
      `Привет, ${name}! 👋 За каждый запрос начисляются поинты.`,
      '',
      '💬 сообщение: текстовый запрос · 🖼 фото: Vision анализ · /chart BTC: технический анализ',
      '/points: баланс, история, рейтинг и как заработать',
      '/level: все уровни · /leaderboard: рейтинг недели · /stats: ваши 7 дней',
      '/image: платное демо (списывает лимит, заряд и поинты)',
      stars ? '/buy: подписки и пакеты заряда за ⭐ Stars' : null,
      admin ? '\nАдмин: /points_analytics /points_config /points_grant /points_deduct /points_user' : null,
    ]
      .filter((line) => line !== null)
      .join('\n'),
  textAnswer: (length) => `🤖 (демо-ответ) В вашем сообщении ${length} симв. Поинты за него уже начисляются: /points`,
  visionAnswer: () => '🖼 (демо-ответ) Отличная картинка. Поинты за Vision анализ уже начисляются: /points',
  chartAnswer: (symbol) => `📈 (демо-ответ) Технический анализ ${symbol}: тренд вверх, поддержка держится. Поинты уже начисляются: /points`,
  points: (b) =>
    [
      `💎 Ваши поинты: ${n(b.balance)}`,
      `${b.level_icon} Уровень ${b.level}: ${b.level_name} (${x(b.earning_multiplier)})`,
      b.next_level_points > 0 ? `➡️ До следующего уровня ${pts(b.next_level_points)} (${Math.round(b.progress_to_next_level * 100)}%)` : '👑 Достигнут высший уровень',
      `🔥 Серия: ${b.current_streak} (рекорд ${b.longest_streak})`,
      `🎫 Тариф: ${b.tier} (${x(b.tier_multiplier)})`,
      `⚡ Лимит: ${n(b.allowance.available)} из ${n(b.allowance.capacity)} · 🔋 Заряд: ${n(b.credit.available)}`,
      `📊 Заработано ${n(b.lifetime_earned)} · потрачено ${n(b.lifetime_spent)}`,
    ].join('\n'),
  buttons: { history: '📜 История', rating: '🏆 Рейтинг', howToEarn: '📊 Как заработать', back: '⬅️ Назад' },
  history: (h, label) =>
    h.items.length === 0
      ? '📜 Операций пока нет. Отправьте сообщение, чтобы получить первые поинты.'
      : [
          '📜 Последние операции',
          ...h.items.map((item) => {
            const why = item.reason_text ? ` (${item.reason_text})` : '';
            return `${item.created_at.slice(0, 10)} ${label(item.type, item.details)}: ${item.status === 'rejected' ? 'отклонено' : signed(item.amount)}${why}`;
          }),
        ].join('\n'),
  rating: (board, self) =>
    [
      `🏆 Рейтинг (${periods[board.period] ?? board.period})`,
      ...(board.items.length === 0 ? ['Пока никто не заработал поинтов.'] : board.items.map((row) => `${row.rank}. ${row.level_icon} ${row.user_id === self ? 'вы' : row.user_id}: ${pts(row.earned)}`)),
      board.me?.rank ? `\nВаше место: ${board.me.rank} (${pts(board.me.earned)})` : '\nНа этой неделе вы ещё не заработали поинтов.',
    ].join('\n'),
  howToEarn: (r) =>
    [
      `📊 Как заработать (${r.level.icon} ${r.level.name} ${x(r.level.multiplier)}, ${r.tier.name} ${x(r.tier.multiplier)})`,
      ...r.activities.map((a) => {
        const rate = a.multiplied && a.earns_now !== a.base ? `${a.earns_now} (база ${a.base})` : String(a.earns_now);
        const limit = a.min_interval_seconds > 0 ? `, раз в ${a.min_interval_seconds} с` : '';
        const claimed = a.daily_login ? (a.claimed_today ? ', сегодня получено ✅' : ', сегодня ещё не получено: /start') : '';
        return `• ${a.label}: +${rate}${limit}${claimed}`;
      }),
      `\n📅 Дневной лимит: ${n(r.daily_cap.limit)}, осталось сегодня ${n(r.daily_cap.left_today)}`,
      `🔥 Серия ${r.streak.current}: ${r.streak.milestones.map((m) => `${m.days} дн. +${n(m.bonus)}`).join(', ')}`,
      r.streak.next ? `   следующий бонус: ${r.streak.next.days} дн. (+${n(r.streak.next.bonus)}), входов осталось: ${r.streak.next.logins_needed}` : '   все бонусы серии получены',
      `👥 Пригласите друга: +${n(r.referral.signup_bonus)}, и +${n(r.referral.purchase_bonus)} за каждую его покупку`,
      `🎫 Подписки: ${r.subscriptions.map((s) => `${s.tier} ${x(s.multiplier)} +${n(s.bonus)}${s.current ? ' (ваша)' : ''}`).join(', ')}`,
    ].join('\n'),
  stats: (st) =>
    [
      `📊 За ${st.days} дн.: заработано ${pts(st.earned)}`,
      ...st.by_type.map((t) => `• ${t.label}: ${signed(t.earned)} (${t.transactions}×)`),
      ...(st.limited.length > 0 ? ['Не засчитано:', ...st.limited.map((l) => `• ${l.reason_text ?? l.reason}: ${l.count}×`)] : []),
    ].join('\n'),
  levels: (l, current) =>
    ['🏅 Уровни', ...l.levels.map((level) => `${level.level === current ? '▶️' : '  '} ${level.icon} ${level.level}. ${level.name}: от ${n(level.threshold)}, ${x(level.multiplier)}`)].join('\n'),
  imageApplied: (cost, balances) =>
    `🎨 (демо) Изображение готово. Списано ${n(cost)}. Осталось: ⚡ лимит ${n(balances['allowance'] ?? 0)}, 🔋 заряд ${n(balances['credit'] ?? 0)}, 💎 ${pts(balances['points'] ?? 0)}.`,
  imageRejected: (reason) => `❌ ${reason}. Зарабатывайте запросами и ежедневными входами (/points → 📊 Как заработать) или пополните через /buy.`,
  stillWorking: () => '⏳ Ещё обрабатывается: списание в очереди и будет проведено. Загляните в /points чуть позже.',
  conflict: () => '⚠️ Этот запрос уже был сделан с другими параметрами; дважды ничего не списано.',
  unavailable: () => '⚠️ Поинты сейчас недоступны. Попробуйте через минуту.',
  notAdmin: () => '⛔ Эта команда только для администраторов.',
  adminOff: () => '⛔ Команды администратора выключены: у бота нет ключа администратора (ENGINE_ADMIN_KEY).',
  usage: (command) =>
    command === 'user' ? 'Использование: /points_user <user_id>' : `Использование: /points_${command} <user_id> <сумма> [причина]`,
  analytics: (a) =>
    [
      '📈 Аналитика поинтов',
      `Пользователей: ${n(a.totals.users)} · в обороте: ${n(a.totals.points_in_circulation)} (в резерве ${n(a.totals.points_held)}) · заряд: ${n(a.totals.credit_in_circulation)}`,
      `Заработано: ${n(a.totals.earned)} · потрачено: ${n(a.totals.spent)}`,
      `\nЗа 24 часа: ${n(a.last_24h.transactions)} операций (${n(a.last_24h.applied)} проведено, ${n(a.last_24h.rejected)} отклонено), активных ${n(a.last_24h.active_users)}, новых ${n(a.last_24h.new_users)}; заработано ${n(a.last_24h.earned)}, потрачено ${n(a.last_24h.spent)}`,
      '\nПо типам:',
      ...a.by_type.map((t) => `• ${t.label}: ${n(t.transactions)} (отклонено ${n(t.rejected)}), ${n(t.amount)}`),
      '\nУровни:',
      ...a.levels.map((l) => `${l.icon} ${l.name}: ${n(l.users)}`),
      `\n🔥 Серии: активных ${n(a.streaks.active)}, в среднем ${a.streaks.average_active}, самая длинная сейчас ${a.streaks.longest_current}, за всё время ${a.streaks.longest_ever}`,
      '\nТоп-5:',
      ...a.top.map((row) => `${row.rank}. ${row.user_id}: ${n(row.earned)}`),
    ].join('\n'),
  config: (c) => {
    const p = c;
    return [
      '⚙️ Конфигурация поинтов',
      'Действия:',
      ...Object.entries(p.earning.activities).map(([name, a]) => `• ${name}: ${a.base}${a.min_interval_seconds ? `, раз в ${a.min_interval_seconds} с` : ''}`),
      `Дневной лимит: ${n(p.earning.daily_cap)} · бонус за покупку реферала: ${n(p.earning.referral_purchase_bonus)}`,
      `Серии: ${Object.entries(p.earning.streak_milestones).map(([days, bonus]) => `${days} дн. +${n(bonus)}`).join(', ')}`,
      `Тарифы: ${Object.entries(p.tiers).map(([name, t]) => `${name} ${x(t.multiplier)}${t.subscription_bonus ? ` +${n(t.subscription_bonus)}` : ''}`).join(', ')}`,
      'Уровни:',
      ...p.levels.map((l) => `${l.icon} ${l.level}. ${l.name.ru}: ${n(l.threshold)}, ${x(l.multiplier)}`),
    ].join('\n');
  },
  adminUser: (u, label) =>
    [
      `👤 Пользователь ${u.user_id} (с ${u.created_at.slice(0, 10)})`,
      ru.points(u.balance),
      `Пригласил: ${u.referrer_id ?? 'никто'} · рефералов: ${u.referrals} · открытых резервов: ${u.open_holds.length}`,
      u.tier.ends_at ? `Тариф до ${u.tier.ends_at.slice(0, 10)}` : null,
      '',
      ru.history({ items: u.recent_history }, label),
    ]
      .filter((line) => line !== null)
      .join('\n'),
  userNotFound: (id) => `У пользователя ${id} нет записи о поинтах.`,
  adjusted: (kind, userId, a) => {
    const what = kind === 'grant' ? 'Начисление' : 'Списание';
    if (a.status === 'queued') return `⏳ ${what} для ${userId} в очереди и будет проведено.`;
    if (a.status === 'rejected') return `❌ ${what} для ${userId} отклонено: ${a.reason_text ?? a.reason}`;
    const again = a.replayed ? ' (уже проведено ранее; повторно не проводится)' : '';
    return `✅ ${kind === 'grant' ? 'Начислено' : 'Списано'} ${pts(a.amount)} ${kind === 'grant' ? 'пользователю' : 'у пользователя'} ${userId}${again}. Баланс: ${n(a.balances['points'] ?? 0)}`;
  },
  engineRefused: (message) => `⚠️ Движок отказал: ${message}`,
  buyMenu: (products) => (products.length === 0 ? 'За Stars сейчас ничего не продаётся.' : '🛒 Что вы хотите купить?'),
  productTitle: (p) =>
    p.product.type === 'subscription' ? `Подписка ${p.product.tier}` : p.product.type === 'credit_pack' ? `Пакет заряда ${p.product.pack}` : `Заряд ${n(p.grants.credit)}`,
  productDescription: (p) =>
    [
      p.grants.tier ? `тариф ${p.grants.tier} на ${p.grants.periodDays} дн.` : null,
      p.grants.bonus > 0 ? `+${pts(p.grants.bonus)}` : null,
      p.grants.credit > 0 ? `+${n(p.grants.credit)} заряда` : null,
    ]
      .filter((part) => part !== null)
      .join(', ') || p.spec,
  unknownProduct: (spec) => `«${spec}» не продаётся. Список товаров: /buy`,
  paymentsOff: () => 'Оплата в этом боте выключена.',
  checkoutRefused: () => 'Этот товар или цена больше не предлагаются. Откройте /buy заново.',
  paymentReceived: () => '⭐ Оплата получена, спасибо! Покупка зачисляется.',
  paymentRejected: (message) => `⚠️ Оплата получена, но не может быть зачислена: ${message}. Обратитесь в поддержку.`,
  refundReceived: () => 'Возврат учтён, покупка отменена.',
};
