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
  schema?: z.ZodType;
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
  /** By status. 400/401/403 are added from `params`/`query`/`body` and `auth`. */
  responses: Record<number, ResponseDoc>;
}
