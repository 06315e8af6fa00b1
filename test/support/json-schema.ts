type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(['description', 'title', 'default', 'examples', 'format', 'deprecated', 'readOnly', 'writeOnly', '$comment', '$schema', 'id']);

/**
 * A small JSON Schema (2020-12) validator for the keywords zod's toJSONSchema emits, to check an
 * OpenAPI document against the examples without a dependency. An unknown keyword throws, so a
 * schema this cannot judge never passes silently. `format` is an annotation (as in 2020-12).
 */
export function validateJsonSchema(schema: Schema, value: unknown, root: Record<string, unknown> = {}): string[] {
  const errors: string[] = [];
  check(schema, value, '', root, errors);
  return errors;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  if (type === 'integer') return typeof value === 'number' && Number.isInteger(value);
  return typeOf(value) === type;
}

function check(schema: Schema, value: unknown, at: string, root: Record<string, unknown>, errors: string[]): void {
  if (schema === true) return;
  if (schema === false) return void errors.push(`${at}: nothing is allowed`);
  const fail = (message: string) => errors.push(`${at || '(root)'}: ${message}`);
  const sub = (s: unknown, v: unknown, path: string) => {
    const found: string[] = [];
    check(s as Schema, v, path, root, found);
    return found;
  };
  for (const [keyword, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    const obj = value as Record<string, unknown>;
    switch (keyword) {
      case '$ref': {
        const target = String(arg).replace(/^#\//, '').split('/').reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], root);
        if (target === undefined) throw new Error(`unresolved $ref ${String(arg)}`);
        errors.push(...sub(target, value, at));
        break;
      }
      case 'type': {
        const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
        if (!types.some((t) => hasType(value, t))) fail(`expected ${types.join(' or ')}, got ${typeOf(value)}`);
        break;
      }
      case 'const':
        if (JSON.stringify(value) !== JSON.stringify(arg)) fail(`expected ${JSON.stringify(arg)}`);
        break;
      case 'enum':
        if (!(arg as unknown[]).some((option) => JSON.stringify(option) === JSON.stringify(value))) fail(`not one of ${JSON.stringify(arg)}`);
        break;
      case 'properties':
        if (typeOf(value) === 'object') for (const [name, s] of Object.entries(arg as Record<string, Schema>)) if (name in obj) errors.push(...sub(s, obj[name], `${at}.${name}`));
        break;
      case 'required':
        if (typeOf(value) === 'object') for (const name of arg as string[]) if (!(name in obj)) fail(`${name} is required`);
        break;
      case 'additionalProperties':
        if (typeOf(value) === 'object') {
          const known = Object.keys((schema['properties'] ?? {}) as object);
          for (const [name, v] of Object.entries(obj)) if (!known.includes(name)) errors.push(...sub(arg, v, `${at}.${name}`));
        }
        break;
      case 'propertyNames':
        if (typeOf(value) === 'object') for (const name of Object.keys(obj)) errors.push(...sub(arg, name, `${at}[key ${name}]`));
        break;
      case 'items':
        if (Array.isArray(value)) value.forEach((item, i) => errors.push(...sub(arg, item, `${at}.${i}`)));
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (arg as number)) fail(`fewer than ${String(arg)} items`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > (arg as number)) fail(`more than ${String(arg)} items`);
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < (arg as number)) fail(`shorter than ${String(arg)}`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > (arg as number)) fail(`longer than ${String(arg)}`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(arg as string, 'u').test(value)) fail(`does not match ${String(arg)}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (arg as number)) fail(`below ${String(arg)}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (arg as number)) fail(`above ${String(arg)}`);
        break;
      case 'exclusiveMinimum':
        if (typeof value === 'number' && value <= (arg as number)) fail(`not above ${String(arg)}`);
        break;
      case 'exclusiveMaximum':
        if (typeof value === 'number' && value >= (arg as number)) fail(`not below ${String(arg)}`);
        break;
      case 'anyOf':
        if (!(arg as Schema[]).some((s) => sub(s, value, at).length === 0)) fail('matches none of anyOf');
        break;
      case 'oneOf': {
        const matching = (arg as Schema[]).filter((s) => sub(s, value, at).length === 0).length;
        if (matching !== 1) fail(`matches ${matching} of oneOf (needs exactly 1)`);
        break;
      }
      case 'allOf':
        for (const s of arg as Schema[]) errors.push(...sub(s, value, at));
        break;
      case 'not':
        if (sub(arg, value, at).length === 0) fail('matches a schema it must not');
        break;
      default:
        throw new Error(`validateJsonSchema: unsupported keyword ${keyword}`);
    }
  }
}
