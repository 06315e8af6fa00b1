// Pure: reads .env.example and docs/operations.md from the checkout and renders them from the env schema (no services).
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { envVariableDocs, envVariables, loadConfig, renderEnvExample, renderEnvTable } from '@points-engine/config';
import { ENV_EXAMPLE_PATH, envTableOf, OPERATIONS_DOC_PATH } from '../../scripts/env-docs.ts';

const example = readFileSync(ENV_EXAMPLE_PATH, 'utf8');
const variables = Object.keys(envVariables.shape);

describe('.env.example', () => {
  it('names every variable of the env schema, commented out at its default', () => {
    const named = [...example.matchAll(/^# ([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    expect(variables.filter((name) => !named.includes(name))).toEqual([]);
    expect(named.filter((name) => !variables.includes(name as string))).toEqual([]);
  });

  it('is what npm run env:docs writes from the schema (edit the schema, then run it)', () => {
    expect(example).toBe(renderEnvExample());
  });

  it('uncommented as a whole, gives the configuration an empty environment gives: its defaults are the real ones', () => {
    const uncommented = example.replace(/^# ([A-Z][A-Z0-9_]*=)/gm, '$1');
    const parsed = parseEnv(uncommented) as Record<string, string>;
    expect(Object.keys(parsed).sort()).toEqual([...variables].sort());
    expect(loadConfig(parsed)).toEqual(loadConfig({}));
  });
});

describe('the configuration table of docs/operations.md', () => {
  it('is what npm run env:docs writes from the schema, one row per variable', () => {
    const table = envTableOf(readFileSync(OPERATIONS_DOC_PATH, 'utf8'));
    expect(table).toBe(renderEnvTable());
    for (const name of variables) expect(table).toContain(`| \`${name}\` |`);
  });
});

describe('envVariableDocs', () => {
  it('gives every variable a description, and the defaults as an operator writes them', () => {
    const docs = envVariableDocs();
    expect(docs.map((doc) => doc.name)).toEqual(variables);
    for (const doc of docs) expect(doc.description.length, doc.name).toBeGreaterThan(10);
    const byName = Object.fromEntries(docs.map((doc) => [doc.name, doc]));
    expect(byName['GROUP_COMMIT']).toMatchObject({ default: 'true', values: ['true', 'false'] });
    expect(byName['ROLES']?.default).toBe('api,worker,scheduler');
    expect(byName['PORT']?.default).toBe('3000');
    expect(byName['TELEGRAM_BOT_TOKEN']?.default).toBeUndefined();
  });
});
