import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call an operation. Scopes map to the API-key schemes (admin carries every scope);
 * `sender` is any scope that may send some event kind (producer, payments, holdings), each event
 * then checked against EVENT_KIND_SCOPES; `reader_or_user` also accepts a Telegram Mini App user;
 * `provider_signature` is a webhook authenticated by its payment provider's signature (no API
 * key); `none` is public.
 */
export type OperationAuth = 'none' | 'sender' | 'reader' | 'admin' | 'reader_or_user' | 'provider_signature';

/** A request body: the zod schema the route validates it with, and examples the tests replay. */
export interface BodyDoc {
  schema: z.ZodType;
  /** Fields the route sets itself before validating (a client may leave them out), e.g. spend's `kind`. */
  filledByRoute?: Record<string, unknown>;
  examples: {
    /** Bodies the route accepts. */
    valid: unknown[];
    /**
     * Bodies the route refuses with 400, and the `field` its answer names. `jsonSchemaCannotTell`
     * marks a rule the document's JSON Schema cannot express (a refinement, or a check after a
     * transform), so only the route and the zod schema are expected to refuse it.
     */
    invalid: { body: unknown; field: string; jsonSchemaCannotTell?: true }[];
    /** Path parameters the examples are sent with (for a path with `:names`). */
    params?: Record<string, string>;
  };
}

export interface ResponseDoc {
  description: string;
  /** The body's zod schema (the document shows its output side). An error status without one gets the shared error schema. */
  schema?: z.ZodType;
  /** `input`: document the schema's input side, for an answer meant to be sent back as input (the config route's program file). */
  io?: 'input' | 'output';
  /** Not JSON (e.g. text/html). */
  contentType?: string;
}

/** One route of the API, as the OpenAPI document describes it. */
export interface OperationDoc {
  method: HttpMethod;
  /** Express syntax, from the root: `/api/points/transactions/:key`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  auth: OperationAuth;
  /**
   * Open to browser pages on the CORS_ORIGINS origins (a Mini App on another origin); the path
   * must have no `:params`. Everything else answers browsers of other origins without CORS headers.
   */
  cors?: true;
  /** Path parameters (a z.object keyed by the `:names` in `path`). */
  params?: z.ZodObject;
  /** Query parameters (a z.object). */
  query?: z.ZodObject;
  body?: BodyDoc;
  /**
   * `false`: the route reads neither PostgreSQL nor Redis, so it never answers 503 `unavailable`
   * (every other operation documents that 503).
   */
  usesServices?: false;
  /**
   * By status: the route's own answers. The document adds the shared ones: 400 (every route: a
   * NUL in the URL, a malformed JSON body; and bad parameters), 401/403 (by `auth`), 413 (every
   * route: a body over BODY_LIMIT), 429 (every route) and 503 (unless `usesServices: false`).
   */
  responses: Record<number, ResponseDoc>;
}
