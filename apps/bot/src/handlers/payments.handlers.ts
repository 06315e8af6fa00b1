import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext } from '../bot-context.ts';
import { starsCatalogue, starsProduct, type StarsProduct } from '../catalogue.ts';
import type { StarsForward } from '../payment-forwarder.ts';
import type { HandlerDeps } from './handler-deps.ts';

const BUY = /^buy:(.{1,100})$/;

/**
 * Telegram Stars: /buy lists the program's products priced in stars (or sends the invoice of
 * `/buy <product>`), the pre-checkout query is answered after checking the product and price
 * against the catalogue, and `successful_payment` / `refunded_payment` are handed to the payment
 * forwarder, which gets them to the engine (the engine prices and credits them; the bot never does).
 */
export function paymentsHandlers(deps: HandlerDeps): Composer<BotContext> {
  const bot = new Composer<BotContext>();
  const { program, engine, payments } = deps;

  const invoice = (ctx: BotContext, product: StarsProduct) =>
    ctx.replyWithInvoice(ctx.t.productTitle(product), ctx.t.productDescription(product), product.spec, 'XTR', [{ label: ctx.t.productTitle(product), amount: product.stars }]);

  bot.command('buy', async (ctx) => {
    if (!engine.hasStars) return void (await ctx.reply(ctx.t.paymentsOff()));
    const spec = ctx.match.trim();
    if (spec) {
      const product = starsProduct(program, spec);
      return void (await (product ? invoice(ctx, product) : ctx.reply(ctx.t.unknownProduct(spec))));
    }
    const products = starsCatalogue(program);
    const keyboard = new InlineKeyboard();
    for (const product of products) keyboard.text(`${ctx.t.productTitle(product)} · ${product.stars} ⭐`, `buy:${product.spec}`).row();
    await ctx.reply(ctx.t.buyMenu(products), products.length > 0 ? { reply_markup: keyboard } : {});
  });

  bot.callbackQuery(BUY, async (ctx) => {
    await ctx.answerCallbackQuery();
    const product = engine.hasStars ? starsProduct(program, ctx.match[1] ?? '') : null;
    await (product ? invoice(ctx, product) : ctx.reply(ctx.t.unknownProduct(ctx.match[1] ?? '')));
  });

  bot.on('pre_checkout_query', async (ctx) => {
    const query = ctx.preCheckoutQuery;
    const product = engine.hasStars ? starsProduct(program, query.invoice_payload) : null;
    const ok = product !== null && query.currency === 'XTR' && query.total_amount >= product.stars;
    await (ok ? ctx.answerPreCheckoutQuery(true) : ctx.answerPreCheckoutQuery(false, { error_message: ctx.t.checkoutRefused() }));
  });

  bot.on(['message:successful_payment', 'message:refunded_payment'], async (ctx) => {
    const kind = ctx.msg.successful_payment ? 'successful_payment' : 'refunded_payment';
    const paid = ctx.msg.successful_payment ?? ctx.msg.refunded_payment;
    if (!paid) return;
    await handOver(deps, {
      user_id: String(ctx.from?.id),
      chat_id: ctx.chat.id,
      lang: ctx.lang,
      kind,
      payment: { currency: paid.currency, total_amount: paid.total_amount, invoice_payload: paid.invoice_payload, telegram_payment_charge_id: paid.telegram_payment_charge_id },
    });
    await ctx.reply(kind === 'successful_payment' ? ctx.t.paymentReceived() : ctx.t.refundReceived());
  });
  return bot;
}

/**
 * Telegram sends a payment once and counts the update handled whatever the handler does, so a
 * payment must not be dropped here: queued for the forwarder (tried three times), else sent to the
 * engine directly, else logged in full at `fatal` for an operator to replay by hand.
 */
async function handOver(deps: HandlerDeps, forward: StarsForward): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await deps.payments.enqueue(forward);
    } catch (error) {
      deps.logger.warn({ err: error, attempt, charge: forward.payment.telegram_payment_charge_id }, 'could not queue a stars payment');
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
  try {
    const answer = await deps.engine.forwardStars({ user_id: forward.user_id, [forward.kind]: forward.payment });
    deps.logger.info({ charge: forward.payment.telegram_payment_charge_id, answer: answer.status }, 'stars payment forwarded directly (its queue was unreachable)');
  } catch (error) {
    deps.logger.fatal({ err: error, forward }, 'STARS PAYMENT NOT FORWARDED: replay it to POST /webhooks/telegram-stars by hand');
  }
}
