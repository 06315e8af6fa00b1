import { z } from 'zod';
import { MAX_EVENTS_PER_JOB } from '@points-engine/jobs';
import { reverseEventSchema } from '@points-engine/domain';
import { httpEventSchema, httpSpendEventSchema } from '../admission/http-events.schema.ts';
import { adminUserViewSchema, analyticsViewSchema, balanceViewSchema, historyPageSchema, leaderboardViewSchema, statsViewSchema } from '@points-engine/ledger';
import { adminConfigResponse, analyticsQuery } from '../routes/admin.route.ts';
import { adjustmentBody, adminOutcomeQuery, adminOutcomeResponse, reverseBody } from '../routes/admin-adjustments.route.ts';
import { adminUserParams, adminUserQuery } from '../routes/admin-users.route.ts';
import { reconcileQuery, reconcileResponse } from '../routes/admin-reconcile.route.ts';
import { spendQuery } from '../routes/events.route.ts';
import { leaderboardQuery } from '../routes/leaderboard.route.ts';
import { levelsQuery, levelsResponse } from '../routes/levels.route.ts';
import { balanceQuery, historyQuery } from '../routes/reads.route.ts';
import { statsQuery } from '../routes/stats.route.ts';
import { earningRulesQuery, earningRulesResponse } from '../routes/earning-rules.route.ts';
import { keyParam, transactionQuery, transactionStatusResponse } from '../routes/transactions.route.ts';
import { nowPaymentsIpnSchema, starsFlatSchema, starsUpdateSchema, tonPaymentSchema } from '../routes/webhooks.mapping.ts';
import type { OperationDoc } from './operation.types.ts';
import { errorResponse, openApiDocumentResponse, outcomeResponse, paymentAnswer, queuedResponse, readyResponse } from './responses.schema.ts';

/**
 * THE list of the API's routes for the OpenAPI document (GET /api/openapi.json, /api/docs).
 *
 * Adding a route: export its zod schemas from its route file (the route validates with them, the
 * document is generated from them, so the two cannot drift) and add one entry here. A body needs
 * examples: test/integration/openapi.test.ts sends each to the real route and checks that the
 * valid ones pass and each invalid one answers 400 naming its `field`, and that the document's
 * JSON Schema agrees. That test also fails while a mounted route has no entry here.
 */

/** POST /api/points/events takes one event, an array, or `{events: […]}`; each item is a points event as sent over HTTP. */
const eventsRequestBody = z.union([
  httpEventSchema,
  z.array(httpEventSchema).min(1).max(MAX_EVENTS_PER_JOB),
  z.object({ events: z.array(httpEventSchema).min(1).max(MAX_EVENTS_PER_JOB) }),
]);
const scopesText = 'Each event needs the scope of its kind: earn, spend, hold, settle, void — producer; purchase_bonus — payments; set_token_balance — holdings; grant, deduct, reverse — admin (payments may reverse a recorded purchase_bonus). A kind the key may not send answers 403 naming the event (`field`: `events.3.kind`) and queues nothing. `operator` is set by the server (a body naming one: 400); a key in a namespace the engine reserves (`nowpayments:`, `lapse:`, …): 400. A key already used for a different payload (recorded, queued, or twice in the request): 409 `idempotency_conflict` naming the field, recorded in idempotency_conflicts, nothing queued. docs/security.md.';

const earn = { kind: 'earn', idempotency_key: 'text_req:42:1001', user_id: 42, activity: 'text_request' };
const grant = { kind: 'grant', idempotency_key: 'bonus:42:2025-03', user_id: '42', asset: 'points', amount: 500, reason: 'March bonus' };

export const operations: OperationDoc[] = [
  // ---- health ------------------------------------------------------------------------------
  {
    method: 'get', path: '/healthz', tag: 'health', auth: 'none',
    summary: 'The process is up',
    usesServices: false,
    responses: { 200: { description: 'up', schema: z.object({ status: z.literal('ok') }) } },
  },
  {
    method: 'get', path: '/readyz', tag: 'health', auth: 'none',
    summary: 'PostgreSQL and Redis answer; what a Redis crash would lose',
    description: '`redis_durability` tells whether Redis keeps queued events across a crash (AOF, eviction policy) and what a crash of the Redis process or of the machine would lose. With REDIS_DURABILITY=require a Redis that would lose them answers 503 (`checks.redis_persistence`).',
    responses: {
      200: { description: 'ready', schema: readyResponse },
      503: { description: 'a dependency does not answer (or Redis would lose queued events, under REDIS_DURABILITY=require); `checks` says which', schema: readyResponse },
    },
  },

  // ---- points: events ----------------------------------------------------------------------
  {
    method: 'post', path: '/api/points/events', tag: 'points', auth: 'sender',
    summary: 'Queue one event, an array, or {events: […]} (≤ 1000)',
    description: `Fire-and-forget: answers 202 once the events are queued; the ledger applies each exactly once (by \`idempotency_key\`). Ask GET /api/points/transactions/{key} for the outcome. An \`occurred_at\` more than EVENT_MAX_AGE_SECONDS before the server's clock or EVENT_MAX_FUTURE_SECONDS after it answers 400 naming it (\`occurred_at\`, \`events.N.occurred_at\`), and nothing of the request is queued. ${scopesText}`,
    body: {
      schema: eventsRequestBody,
      examples: {
        valid: [earn, [earn, grant], { events: [grant] }],
        invalid: [
          { body: { kind: 'earn', idempotency_key: 'text_req:42:1002', user_id: 42 }, field: 'activity' },
          { body: { kind: 'earn', idempotency_key: 'has space', user_id: 42, activity: 'text_request' }, field: 'idempotency_key' },
          { body: [earn, { ...grant, amount: -5 }], field: 'events.1.amount' },
          { body: { kind: 'teleport', idempotency_key: 'x:1', user_id: 42 }, field: 'kind' },
          { body: [earn, { ...grant, operator: 'mallory' }], field: 'events.1.operator' },
          { body: { ...earn, idempotency_key: 'nowpayments:5077125051' }, field: 'idempotency_key', jsonSchemaCannotTell: true },
        ],
      },
    },
    responses: {
      409: { description: 'an idempotency key already used for a different event (`field` names it); nothing queued', schema: errorResponse },
      202: {
        description: 'queued (one event: `job_id`; several: `job_ids` and `events`)',
        schema: z.union([queuedResponse, z.object({ status: z.literal('queued'), events: z.number().int(), job_ids: z.array(z.string()) })]),
      },
    },
  },
  {
    method: 'post', path: '/api/points/spend', tag: 'points', auth: 'sender',
    summary: 'Spend and wait for the outcome',
    description: `A spend event (\`kind\` may be left out; another kind is sent and waited for the same way). Answers 200 with the outcome (applied with balances, or rejected with a reason such as \`insufficient_funds\`), or 202 \`queued\` if none arrives within \`timeout_ms\` (default SPEND_TIMEOUT_MS). \`occurred_at\` is bound as for POST /api/points/events. ${scopesText}`,
    query: spendQuery,
    body: {
      schema: httpSpendEventSchema,
      filledByRoute: { kind: 'spend' },
      examples: {
        valid: [{ idempotency_key: 'gen:42:77', user_id: 42, task_type: 'image', duration_seconds: 12 }, { kind: 'spend', idempotency_key: 'gen:42:78', user_id: 42, amount: 30 }],
        invalid: [
          { body: { idempotency_key: 'gen:42:79', user_id: 42, amount: 0 }, field: 'amount' },
          { body: { user_id: 42, amount: 5 }, field: 'idempotency_key' },
          { body: { idempotency_key: 'gen:42:80', user_id: 'not valid!', amount: 5 }, field: 'user_id', jsonSchemaCannotTell: true },
          { body: { idempotency_key: 'lapse:gen:42:1', user_id: 42, amount: 5 }, field: 'idempotency_key', jsonSchemaCannotTell: true },
        ],
      },
    },
    responses: {
      200: { description: 'the outcome', schema: outcomeResponse },
      202: { description: 'still queued', schema: queuedResponse },
      409: { description: 'an idempotency key already used for a different event', schema: errorResponse },
    },
  },

  // ---- points: reads -----------------------------------------------------------------------
  {
    method: 'get', path: '/api/points/transactions/:key', tag: 'points', auth: 'reader',
    summary: 'The status of an event by its idempotency key',
    description: '`applied`/`rejected` with the outcome, `queued` (waiting or delayed, with the job state), `active`, `failed` with the reason, or 404 — however the event was sent (alone, in an array, or gathered by PointsClient.earn). `user_id` narrows the look-up to its partition.',
    params: z.object({ key: keyParam }),
    query: transactionQuery,
    responses: {
      200: { description: '`applied`/`rejected` (recorded, with the outcome), `queued`/`active` (its job), or `failed` (with the reason)', schema: transactionStatusResponse },
      404: { description: 'neither recorded nor queued' },
    },
  },
  {
    method: 'get', path: '/api/points/balance', tag: 'points', auth: 'reader_or_user', cors: true,
    summary: "A user's balances, level, streak, tier, allowance, credit and open holds",
    description: 'A key reads any `user_id`; a Telegram user only their own (user_id may be left out). An unknown user gets the empty picture.',
    query: balanceQuery,
    responses: { 200: { description: 'the balance view', schema: balanceViewSchema } },
  },
  {
    method: 'get', path: '/api/points/history', tag: 'points', auth: 'reader_or_user', cors: true,
    summary: "A user's transactions, newest first, paged by `next_cursor`",
    query: historyQuery,
    responses: { 200: { description: '`items` and `next_cursor`', schema: historyPageSchema } },
  },

  {
    method: 'get', path: '/api/points/leaderboard', tag: 'points', auth: 'reader_or_user', cors: true,
    summary: 'Users ranked by points earned in the period, with the caller\'s own rank',
    query: leaderboardQuery,
    responses: { 200: { description: 'the board', schema: leaderboardViewSchema } },
  },
  {
    method: 'get', path: '/api/points/levels', tag: 'points', auth: 'reader_or_user', cors: true,
    summary: 'Every level with its localized name, icon, threshold and multiplier',
    query: levelsQuery,
    usesServices: false,
    responses: { 200: { description: '`lang` and `levels`', schema: levelsResponse } },
  },
  {
    method: 'get', path: '/api/points/stats', tag: 'points', auth: 'reader_or_user', cors: true,
    summary: "A user's earnings by transaction type and by program day",
    query: statsQuery,
    responses: { 200: { description: 'the statistics', schema: statsViewSchema } },
  },
  {
    method: 'get', path: '/api/points/earning-rules', tag: 'points', auth: 'reader_or_user', cors: true,
    summary: '"How to earn": every activity with what it earns this user now, limits and bonuses',
    description: "Every earning activity with its label, base, the user's level and tier multipliers and what one event earns them now (before the rate limit and the daily cap), its rate limit and when it can earn again; the daily cap and what is left of it today; the streak, its milestones and the next one; the referral bonuses; the subscriptions with their multipliers and bonuses. A key reads any `user_id`; a Telegram user only their own (user_id may be left out). An unknown user gets the rules as they apply to a newcomer.",
    query: earningRulesQuery,
    responses: { 200: { description: 'the rules as they apply to the user now', schema: earningRulesResponse } },
  },

  // ---- admin -------------------------------------------------------------------------------
  {
    method: 'get', path: '/api/admin/analytics', tag: 'admin', auth: 'admin',
    summary: 'Program-wide analytics',
    query: analyticsQuery,
    responses: { 200: { description: 'the analytics', schema: analyticsViewSchema } },
  },
  {
    method: 'get', path: '/api/admin/config', tag: 'admin', auth: 'admin',
    summary: 'The program in force, as a program file',
    description: 'Multipliers as decimals, every default filled in: saved to a file, the answer loads back as a PROGRAM_FILE (its schema is the program file\'s).',
    usesServices: false,
    responses: { 200: { description: 'the program document', schema: adminConfigResponse, io: 'input' } },
  },
  {
    method: 'get', path: '/api/admin/users/:user_id', tag: 'admin', auth: 'admin',
    summary: 'The full picture of one user',
    params: adminUserParams,
    query: adminUserQuery,
    responses: { 200: { description: 'the user', schema: adminUserViewSchema }, 404: { description: 'a user the ledger never saw' } },
  },
  ...(['grant', 'deduct'] as const).map((kind): OperationDoc => ({
    method: 'post', path: `/api/admin/users/:user_id/${kind}`, tag: 'admin', auth: 'admin',
    summary: kind === 'grant' ? 'Grant points (or credit, allowance) to a user' : 'Deduct from a user (never below zero)',
    description: 'Sent through the queue like any event (exactly once by `idempotency_key`); the operator recorded is the API key (a body naming one: 400). 200 with the outcome, 202 if still queued after `timeout_ms`, 409 (recorded) if the key was used for a different event; a key in a reserved namespace: 400.',
    params: adminUserParams,
    query: adminOutcomeQuery,
    body: {
      schema: adjustmentBody,
      examples: {
        params: { user_id: '42' },
        valid: [{ amount: 100, reason: 'support goodwill', idempotency_key: `adm:${kind}:42:1` }],
        invalid: [
          { body: { amount: 0, reason: 'support goodwill', idempotency_key: `adm:${kind}:42:2` }, field: 'amount' },
          { body: { amount: 5, idempotency_key: `adm:${kind}:42:3` }, field: 'reason' },
          { body: { amount: 5, reason: 'x', idempotency_key: `adm:${kind}:42:4`, operator: 'mallory' }, field: 'operator' },
          { body: { amount: 5, reason: 'x', idempotency_key: `engine:${kind}:42` }, field: 'idempotency_key', jsonSchemaCannotTell: true },
        ],
      },
    },
    responses: {
      200: { description: 'the outcome (applied, or rejected with `reason_text`)', schema: adminOutcomeResponse },
      202: { description: 'still queued after `timeout_ms`', schema: queuedResponse },
      409: { description: '`idempotency_conflict`: the key was used for a different event (recorded)' },
    },
  })),
  {
    method: 'get', path: '/api/admin/reconcile', tag: 'admin', auth: 'admin',
    summary: 'Check every ledger invariant on the live database (reads only)',
    description: 'The same bounded-batch check as `npm run reconcile`: each transaction balances per asset, entries sum to zero per asset, every stored balance equals the sum of its entries, no balance below its floor, no orphan entries. `ok` is false and `violations` names each offending transaction or account (at most 20 per check and range). `unapplied` is a section of its own: events accepted (answered 202/200) more than `unapplied_after_s` seconds ago that the ledger does not have — still waiting, delayed, active, failed (with the reason) or missing from Redis; the first 100 are listed. Changes nothing; safe while the workers run.',
    query: reconcileQuery,
    responses: { 200: { description: 'the report', schema: reconcileResponse } },
  },
  {
    method: 'post', path: '/api/admin/transactions/:key/reverse', tag: 'admin', auth: 'admin',
    summary: 'Reverse a transaction: claw back what it credited (never below zero), once',
    params: z.object({ key: reverseEventSchema.shape.transaction_key }),
    query: adminOutcomeQuery,
    body: {
      schema: reverseBody,
      examples: {
        // Reverses the grant example above (the test sends the examples in this order).
        params: { key: 'adm:grant:42:1' },
        valid: [{ reason: 'granted by mistake', idempotency_key: 'adm:reverse:42:1' }],
        invalid: [
          { body: { idempotency_key: 'adm:reverse:42:2' }, field: 'reason' },
          { body: { reason: 'x', idempotency_key: 'adm:reverse:42:3', operator: 'mallory' }, field: 'operator' },
        ],
      },
    },
    responses: {
      200: { description: 'the outcome (applied, `partially_reversed`, or rejected: `already_reversed`, `not_reversible`)', schema: adminOutcomeResponse },
      202: { description: 'still queued after `timeout_ms`', schema: queuedResponse },
      404: { description: 'no transaction is recorded under `key`' },
      409: { description: '`not_reversible` (an engine run such as a cycle), or `idempotency_conflict`' },
    },
  },

  // ---- payment webhooks (no API key: the provider's signature over the raw body) -------------
  {
    method: 'post', path: '/webhooks/nowpayments', tag: 'webhooks', auth: 'provider_signature',
    summary: 'NOWPayments IPN (header x-nowpayments-sig: HMAC-SHA512 of the body with sorted keys)',
    description:
      'Off (404) while NOWPAYMENTS_IPN_SECRET is unset. A `finished` payment buys the product its `order_id` names (`{user_id}/{product}[/{ref}]`) when `price_amount` covers the product\'s price in `price_currency` (and `actually_paid` ≥ `pay_amount` when both are given); a `refunded` one reverses that purchase (parked until the purchase is applied); other statuses are recorded. A verified payment is stored before it is answered; one that does not pay the price is answered 200 `rejected` with a reason (see docs/payments.md). A bad signature answers 401.',
    body: {
      schema: nowPaymentsIpnSchema,
      examples: {
        valid: [
          { payment_id: 5077125051, payment_status: 'waiting', order_id: '42/pack:small', price_amount: 10, price_currency: 'usd', pay_currency: 'btc', actually_paid: 0 },
          { payment_id: 5077125053, payment_status: 'finished', order_id: '42/pack:small', price_amount: 1.99, price_currency: 'usd', pay_amount: 0.00003, pay_currency: 'btc', actually_paid: 0.00003 },
        ],
        invalid: [
          { body: { payment_status: 'finished', order_id: '42/pack:small' }, field: 'payment_id' },
          { body: { payment_id: 5077125052, payment_status: 'Finished!' }, field: 'payment_status' },
        ],
      },
    },
    responses: { 200: { description: 'queued, stored, applied, parked, rejected (with `reason`) or recorded', schema: paymentAnswer }, 401: { description: 'the signature does not verify' }, 404: { description: 'not configured (its secret is unset)' } },
  },
  {
    method: 'post', path: '/webhooks/telegram-stars', tag: 'webhooks', auth: 'provider_signature',
    summary: 'Telegram Stars payment or refund, forwarded by the bot (header X-Telegram-Bot-Api-Secret-Token)',
    description:
      'Off (404) while TELEGRAM_STARS_WEBHOOK_SECRET is unset. Either `{user_id, successful_payment | refunded_payment}` or the Telegram Update as received; the invoice payload names the product, and `total_amount` (XTR) must cover its price in stars. A refund reverses the purchase of its buyer (a refund naming another user is answered `rejected`, user_mismatch).',
    body: {
      schema: z.union([starsFlatSchema, starsUpdateSchema]),
      examples: {
        valid: [{ user_id: 42, successful_payment: { currency: 'XTR', total_amount: 100, invoice_payload: 'pack:small', telegram_payment_charge_id: 'stars_charge_openapi_1' } }],
        invalid: [{ body: { user_id: 42, successful_payment: { currency: 'USD', total_amount: 50, invoice_payload: 'pack:small', telegram_payment_charge_id: 'stars_charge_openapi_2' } }, field: 'successful_payment.currency' }],
      },
    },
    responses: { 200: { description: 'queued, stored, applied, parked or rejected (with `reason`)', schema: paymentAnswer }, 401: { description: 'the secret token does not match' }, 404: { description: 'not configured (its secret is unset)' } },
  },
  {
    method: 'post', path: '/webhooks/ton', tag: 'webhooks', auth: 'provider_signature',
    summary: 'A final TON transfer from a payment watcher (header x-signature: hex HMAC-SHA256 of the raw body)',
    description:
      'Off (404) while TON_WEBHOOK_SECRET is unset. `tx_hash` is 32 bytes as hex or base64(url), keyed `ton:{lower-case hex}`; `amount` (nanotons) must cover the product\'s price.',
    body: {
      schema: tonPaymentSchema,
      examples: {
        valid: [{ tx_hash: 'a3f1c2d4e5f60718293a4b5c6d7e8f90a3f1c2d4e5f60718293a4b5c6d7e8f90', user_id: 42, product: 'pack:small', amount: '700000000' }],
        invalid: [
          { body: { tx_hash: 'short', user_id: 42, product: 'pack:small', amount: '700000000' }, field: 'tx_hash' },
          { body: { tx_hash: 'a3f1c2d4e5f60718293a4b5c6d7e8f90', user_id: 42, product: 'pack:small', amount: '700000000' }, field: 'tx_hash' },
          { body: { tx_hash: 'a3f1c2d4e5f60718293a4b5c6d7e8f90a3f1c2d4e5f60718293a4b5c6d7e8f91', user_id: 42, product: 'pack:small' }, field: 'amount' },
        ],
      },
    },
    responses: { 200: { description: 'queued, stored, applied or rejected (with `reason`)', schema: paymentAnswer }, 401: { description: 'the signature does not verify' }, 404: { description: 'not configured (its secret is unset)' } },
  },

  // ---- documentation -----------------------------------------------------------------------
  {
    method: 'get', path: '/api/openapi.json', tag: 'docs', auth: 'none', cors: true,
    summary: 'This document (OpenAPI 3.1)',
    usesServices: false,
    responses: { 200: { description: 'the document', schema: openApiDocumentResponse } },
  },
  {
    method: 'get', path: '/api/docs', tag: 'docs', auth: 'none',
    summary: 'This document as a browsable page (works offline)',
    usesServices: false,
    responses: { 200: { description: 'an HTML page', contentType: 'text/html' } },
  },
  {
    method: 'get', path: '/admin/queues', tag: 'admin', auth: 'admin',
    summary: 'Bull Board: queues, jobs, failed jobs with their reasons (a browser UI)',
    description: 'Give an admin key as the password of the browser login prompt (Basic auth, any user name).',
    usesServices: false,
    responses: { 200: { description: 'an HTML page', contentType: 'text/html' } },
  },
];

/**
 * Mounts whose routes are not API operations (Bull Board serves its own UI and internal API
 * under its path); the route check skips everything under them.
 */
export const UNDOCUMENTED_MOUNTS = ['/admin/queues'];
