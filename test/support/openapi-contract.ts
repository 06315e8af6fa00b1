import { expect } from 'vitest';
import { openApiPath } from '../../apps/api/src/openapi/index.ts';
import { validateJsonSchema } from './json-schema.ts';

type Json = Record<string, unknown>;

/** An operation as `GET /api/points/transactions/:key` (Express syntax, as the registry writes paths). */
export type OperationName = string;

/**
 * Judges real answers by the OpenAPI document: the status must be one the operation lists, and
 * the body must be of that status's content type and validate against its JSON Schema. Records
 * every (operation, status) it judged, so a test can require each documented answer to be seen.
 */
export class ContractChecker {
  private readonly seen = new Set<string>();

  constructor(private readonly doc: Json) {}

  private responsesOf(operation: OperationName): Record<string, Json> {
    const [method = '', path = ''] = operation.split(' ');
    const op = (this.doc['paths'] as Record<string, Record<string, Json>>)[openApiPath(path)]?.[method.toLowerCase()];
    if (!op) throw new Error(`${operation} is not in the document`);
    return op['responses'] as Record<string, Json>;
  }

  /** Checks one answer of `operation` against the document; resolves with its status and parsed body. */
  async check(operation: OperationName, res: Response): Promise<{ status: number; body: unknown }> {
    const responses = this.responsesOf(operation);
    const text = await res.text();
    const label = `${operation} answered ${res.status} ${text.slice(0, 400)}`;
    const documented = responses[String(res.status)];
    expect(documented, `${label}; the document lists only ${Object.keys(responses).join(', ')}`).toBeDefined();
    const content = (documented?.['content'] ?? {}) as Record<string, Json>;
    const type = res.headers.get('content-type') ?? '';
    let body: unknown = text;
    const json = content['application/json'];
    if (json) {
      expect(type, label).toMatch(/^application\/json/);
      body = JSON.parse(text);
      expect(validateJsonSchema(json['schema'] as Json, body, this.doc), label).toEqual([]);
    } else {
      const [documentedType] = Object.keys(content);
      expect(documentedType, `${label}: the document gives this answer no content`).toBeDefined();
      expect(type.startsWith(documentedType as string), label).toBe(true);
    }
    this.seen.add(`${operation} ${res.status}`);
    return { status: res.status, body };
  }

  /** Every documented `METHOD /path status` (Express paths) that no check has seen. */
  unseen(operations: readonly { method: string; path: string }[]): string[] {
    return operations.flatMap((op) => {
      const name = `${op.method.toUpperCase()} ${op.path}`;
      return Object.keys(this.responsesOf(name)).map((status) => `${name} ${status}`).filter((answer) => !this.seen.has(answer));
    });
  }
}
