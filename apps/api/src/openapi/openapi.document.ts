import { z } from 'zod';
import { SENDING_SCOPES } from '@points-engine/auth';
import type { BodyDoc, OperationAuth, OperationDoc, ResponseDoc } from './operation.types.ts';
import { errorResponse } from './responses.schema.ts';

type Json = Record<string, unknown>;

const SECURITY_SCHEMES = {
  ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key (`npm run keys -- create …`). The requirement lists the scope it needs; `admin` carries every scope.' },
  BearerKey: { type: 'http', scheme: 'bearer', description: 'The same API key as `Authorization: Bearer <key>`.' },
  TelegramInitData: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Telegram-Init-Data',
    description: "A Telegram Mini App's signed initData (or `Authorization: tma <initData>`); reads only the signed-in user's own data.",
  },
} as const;

function security(auth: OperationAuth): Json[] {
  switch (auth) {
    case 'none':
    case 'provider_signature':
      return [];
    case 'reader_or_user':
      return [{ ApiKey: ['reader'] }, { BearerKey: ['reader'] }, { TelegramInitData: [] }];
    case 'sender':
      return SENDING_SCOPES.flatMap((scope) => [{ ApiKey: [scope] }, { BearerKey: [scope] }]);
    default:
      return [{ ApiKey: [auth] }, { BearerKey: [auth] }];
  }
}

/** JSON Schema (2020-12, OpenAPI 3.1's dialect) of what a client sends: the schema's input side. */
export function inputJsonSchema(schema: z.ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

/** JSON Schema of what a route answers: the schema's output side (an object lists every field it may have: additionalProperties false). */
function outputJsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

/** Drops `names` from `required`, in the schema and in each branch of a union. */
function optionalize(schema: Json, names: string[]): Json {
  const out: Json = { ...schema };
  if (Array.isArray(out['required'])) out['required'] = (out['required'] as string[]).filter((name) => !names.includes(name));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(out[key])) out[key] = (out[key] as Json[]).map((branch) => optionalize(branch, names));
  }
  return out;
}

/** The JSON Schema of a body as a client sends it (fields the route fills in are optional). */
export function bodyJsonSchema(body: BodyDoc): Json {
  return optionalize(inputJsonSchema(body.schema), Object.keys(body.filledByRoute ?? {}));
}

/** Express `:name` segments to OpenAPI `{name}`. */
export const openApiPath = (expressPath: string): string => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parameters(op: OperationDoc): Json[] {
  const list: Json[] = [];
  const pathNames = [...op.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
  const pathSchema = op.params ? inputJsonSchema(op.params) : { properties: {} };
  const pathProperties = (pathSchema['properties'] ?? {}) as Record<string, Json>;
  for (const name of pathNames) list.push({ name, in: 'path', required: true, schema: pathProperties[name] ?? { type: 'string' } });
  if (op.query) {
    const query = inputJsonSchema(op.query);
    const required = new Set((query['required'] as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query['properties'] ?? {}) as Record<string, Json>)) {
      const { description, ...rest } = schema;
      list.push({ name, in: 'query', required: required.has(name), schema: rest, ...(description ? { description } : {}) });
    }
  }
  return list;
}

function response(status: number, doc: ResponseDoc): Json {
  // Every error answer is the shared error object unless the route says otherwise (/readyz's 503).
  const schema = doc.schema ?? (status >= 400 ? errorResponse : undefined);
  if (!schema && !doc.contentType) return { description: doc.description };
  const type = doc.contentType ?? 'application/json';
  return { description: doc.description, content: { [type]: schema ? { schema: outputJsonSchema(schema, doc.io) } : {} } };
}

/** The answers every route shares (the error middleware's), added to the route's own. */
function sharedResponses(op: OperationDoc): Record<number, ResponseDoc> {
  const shared: Record<number, ResponseDoc> = {
    // Every route: the URL guard (a NUL anywhere in the URL names `url`) and the JSON parser (`body`).
    400: { description: op.params || op.query || op.body ? 'invalid input; `field` names it (a parameter, a body field, `body`, or `url`)' : 'a NUL in the URL (`url`), or a malformed JSON body (`body`)' },
    // Every route is limited per client address before authentication (docs/security.md).
    429: { description: 'too many requests (per key, per Mini App user, per client address, or after failed authentications from it); see Retry-After' },
  };
  if (op.auth === 'reader_or_user') {
    shared[401] = { description: 'no API key or Telegram initData, or one that is not valid (or stale)' };
    shared[403] = { description: 'the key lacks the reader scope, or a Telegram user asked about another user' };
  } else if (op.auth !== 'none' && op.auth !== 'provider_signature') {
    shared[401] = { description: 'no API key, or one that is not valid' };
    shared[403] = { description: op.auth === 'sender' ? 'the key may not send this event kind (`field` names the event)' : `the key lacks the ${op.auth} scope` };
  }
  // Any request's JSON body is parsed (a GET's too, so its connection is read to the end): 413 anywhere.
  shared[413] = { description: 'the body is larger than BODY_LIMIT (`field`: `body`)' };
  if (op.usesServices !== false) shared[503] = { description: '`unavailable`: PostgreSQL or Redis cannot be reached; retry after Retry-After (5 s)' };
  return shared;
}

function operation(op: OperationDoc): Json {
  const responses: Record<string, ResponseDoc> = { ...sharedResponses(op), ...op.responses };
  const out: Json = {
    operationId: `${op.method}${openApiPath(op.path).replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    security: security(op.auth),
    'x-auth': op.auth,
    ...(op.cors ? { 'x-cors': true } : {}),
  };
  const params = parameters(op);
  if (params.length > 0) out['parameters'] = params;
  if (op.body) {
    const examples = Object.fromEntries(op.body.examples.valid.map((value, i) => [`example${i + 1}`, { value }]));
    out['requestBody'] = { required: true, content: { 'application/json': { schema: bodyJsonSchema(op.body), examples } } };
  }
  const statuses = Object.keys(responses).sort();
  out['responses'] = Object.fromEntries(statuses.map((status) => [status, response(Number(status), responses[status] as ResponseDoc)]));
  return out;
}

/**
 * Moves any `$defs` (zod emits them for recursive or id'd schemas) to components.schemas, so
 * `$ref`s resolve against the document's root as OpenAPI requires.
 */
function liftDefinitions(paths: Json): { paths: Json; schemas: Json } {
  const schemas: Json = {};
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!node || typeof node !== 'object') return node;
    const out: Json = {};
    for (const [key, value] of Object.entries(node as Json)) {
      if (key === '$defs') Object.assign(schemas, visit(value) as Json);
      else if (key === '$ref' && typeof value === 'string') out[key] = value.replace(/^#\/\$defs\//, '#/components/schemas/');
      else out[key] = visit(value);
    }
    return out;
  };
  return { paths: visit(paths) as Json, schemas };
}

export interface DocumentInfo {
  title: string;
  version: string;
  description?: string;
}

/** The OpenAPI 3.1 document of the operations (built once at start; the schemas are the routes' own). */
export function buildOpenApiDocument(operations: readonly OperationDoc[], info: DocumentInfo): Json {
  const paths: Json = {};
  for (const op of operations) {
    const path = openApiPath(op.path);
    const item = (paths[path] ??= {}) as Json;
    if (item[op.method]) throw new Error(`OpenAPI: ${op.method.toUpperCase()} ${op.path} is registered twice`);
    item[op.method] = operation(op);
  }
  const lifted = liftDefinitions(paths);
  const tags = [...new Set(operations.map((op) => op.tag))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info,
    servers: [{ url: '/' }],
    tags,
    paths: lifted.paths,
    components: { securitySchemes: SECURITY_SCHEMES, schemas: lifted.schemas },
  };
}
