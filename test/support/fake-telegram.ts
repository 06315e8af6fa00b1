import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Bot API call the bot made. */
export interface ApiCall {
  method: string;
  params: Record<string, any>;
}

export interface FakeUser {
  id: number;
  first_name: string;
  language_code?: string;
}

const BOT = { id: 777_000_111, is_bot: true, first_name: 'Points Test Bot', username: 'points_test_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };

/**
 * A local stand-in for Telegram's Bot API, for tests: the bot's `client.apiRoot` points here.
 * It answers `getUpdates` by long polling over the updates a test pushes (as Telegram does, so
 * the bot runs exactly as in production), records every other call, and answers the methods the
 * bot uses (sendMessage, editMessageText, answerCallbackQuery, sendInvoice,
 * answerPreCheckoutQuery, setMyCommands, …) with what Telegram would. `failNext` makes the next
 * call of a method answer a Telegram error.
 */
export class FakeTelegram {
  readonly calls: ApiCall[] = [];
  readonly token = '123456789:AAFakeTokenForTheBotTests_abcdefghijk';
  private server: Server | null = null;
  private updates: Record<string, unknown>[] = [];
  private nextUpdateId = 1_000;
  private nextMessageId = 1;
  private pollers: (() => void)[] = [];
  private callWaiters: { match: (call: ApiCall) => boolean; resolve: (call: ApiCall) => void }[] = [];
  private failures = new Map<string, { error_code: number; description: string }>();

  get apiRoot(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  get botInfo() {
    return BOT;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    for (const wake of this.pollers.splice(0)) wake();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Queues an update for the bot's next getUpdates (with its update_id). */
  push(update: Record<string, unknown>): number {
    const id = this.nextUpdateId++;
    this.updates.push({ update_id: id, ...update });
    for (const wake of this.pollers.splice(0)) wake();
    return id;
  }

  /** A private-chat message from `user`; a leading /command gets its bot_command entity, as Telegram sends it. */
  message(user: FakeUser, text: string, extra: Record<string, unknown> = {}): { messageId: number } {
    const messageId = this.nextMessageId++;
    const command = /^\/\w+(@\w+)?/.exec(text);
    this.push({
      message: {
        message_id: messageId,
        from: { is_bot: false, ...user },
        chat: { id: user.id, type: 'private', first_name: user.first_name },
        date: Math.floor(Date.now() / 1000),
        text,
        ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
        ...extra,
      },
    });
    return { messageId };
  }

  /** A private-chat service message (a photo, a successful_payment, …) from `user`. */
  serviceMessage(user: FakeUser, fields: Record<string, unknown>): { messageId: number } {
    const messageId = this.nextMessageId++;
    this.push({ message: { message_id: messageId, from: { is_bot: false, ...user }, chat: { id: user.id, type: 'private', first_name: user.first_name }, date: Math.floor(Date.now() / 1000), ...fields } });
    return { messageId };
  }

  /** The user presses an inline button of a message the bot sent. */
  press(user: FakeUser, message: { message_id: number; text?: string }, data: string): string {
    const id = `cq${this.nextUpdateId}`;
    this.push({
      callback_query: {
        id,
        from: { is_bot: false, ...user },
        chat_instance: 'ci',
        data,
        message: { message_id: message.message_id, date: Math.floor(Date.now() / 1000), chat: { id: user.id, type: 'private', first_name: user.first_name }, text: message.text ?? '' },
      },
    });
    return id;
  }

  preCheckout(user: FakeUser, payload: string, stars: number): string {
    const id = `pcq${this.nextUpdateId}`;
    this.push({ pre_checkout_query: { id, from: { is_bot: false, ...user }, currency: 'XTR', total_amount: stars, invoice_payload: payload } });
    return id;
  }

  /** The id the next message a user sends will have (to predict an idempotency key the bot derives from it). */
  peekNextMessageId(): number {
    return this.nextMessageId;
  }

  failNext(method: string, error: { error_code: number; description: string }): void {
    this.failures.set(method, error);
  }

  /** The first call (already made or still to come) that matches, after `since` calls. */
  waitForCall(match: (call: ApiCall) => boolean, options: { since?: number; timeoutMs?: number } = {}): Promise<ApiCall> {
    const made = this.calls.slice(options.since ?? 0).find(match);
    if (made) return Promise.resolve(made);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (call: ApiCall) => (clearTimeout(timer), resolve(call)) };
      const timer = setTimeout(() => {
        this.callWaiters = this.callWaiters.filter((w) => w !== waiter);
        reject(new Error(`no matching Bot API call within ${options.timeoutMs ?? 15_000} ms; calls: ${JSON.stringify(this.calls.slice(-8))}`));
      }, options.timeoutMs ?? 15_000);
      this.callWaiters.push(waiter);
    });
  }

  /** The next message the bot sends (or edits) in `chatId`, from now on. */
  nextReply(chatId: number, method: 'sendMessage' | 'editMessageText' | 'sendInvoice' = 'sendMessage'): Promise<ApiCall> {
    return this.waitForCall((c) => c.method === method && String(c.params['chat_id']) === String(chatId), { since: this.calls.length });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown) => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (!match || match[1] !== this.token) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    const method = match[2] as string;
    const text = Buffer.concat(chunks).toString('utf8');
    const params = text ? (JSON.parse(text) as Record<string, any>) : {};
    if (method === 'getUpdates') return reply(200, { ok: true, result: await this.poll(params, res) });
    const call = { method, params };
    this.calls.push(call);
    for (const waiter of this.callWaiters.filter((w) => w.match(call))) {
      this.callWaiters = this.callWaiters.filter((w) => w !== waiter);
      waiter.resolve(call);
    }
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      return reply(failure.error_code, { ok: false, ...failure });
    }
    reply(200, { ok: true, result: this.answer(method, params) });
  }

  /** Long polling: confirmed updates (below `offset`) are dropped; waits up to `timeout` s for one. */
  private async poll(params: Record<string, any>, res: ServerResponse): Promise<unknown[]> {
    const offset = Number(params['offset'] ?? 0);
    this.updates = this.updates.filter((u) => (u['update_id'] as number) >= offset);
    if (this.updates.length === 0 && Number(params['timeout'] ?? 0) > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(Number(params['timeout']), 2) * 1000);
        const wake = () => (clearTimeout(timer), resolve());
        this.pollers.push(wake);
        res.once('close', wake);
      });
    }
    return this.updates.slice(0, Number(params['limit'] ?? 100));
  }

  private answer(method: string, params: Record<string, any>): unknown {
    const chat = { id: Number(params['chat_id']), type: 'private' };
    const message = (fields: Record<string, unknown>) => ({ message_id: this.nextMessageId++, date: Math.floor(Date.now() / 1000), chat, from: BOT, ...fields });
    switch (method) {
      case 'getMe':
        return BOT;
      case 'sendMessage':
        return message({ text: params['text'], ...(params['reply_markup'] ? { reply_markup: params['reply_markup'] } : {}) });
      case 'editMessageText':
        return { message_id: params['message_id'], date: Math.floor(Date.now() / 1000), chat, from: BOT, text: params['text'], ...(params['reply_markup'] ? { reply_markup: params['reply_markup'] } : {}) };
      case 'sendInvoice':
        return message({ invoice: { title: params['title'], description: params['description'], start_parameter: '', currency: params['currency'], total_amount: params['prices']?.[0]?.amount ?? 0 } });
      default:
        return true;
    }
  }
}
