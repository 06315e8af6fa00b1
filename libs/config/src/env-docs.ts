import { z } from 'zod';
import { envVariables } from './env.schema.ts';

/** One environment variable as the docs show it: the text an operator would type as its default. */
export interface EnvVariableDoc {
  name: string;
  /** The default as written in the environment; undefined when unset means off (or computed: see the description). */
  default: string | undefined;
  description: string;
  /** The allowed values of an enumeration. */
  values?: readonly string[];
}

interface JsonSchemaProperty {
  default?: unknown;
  description?: string;
  enum?: unknown[];
}

/**
 * Every variable of envVariables with its input-side default and its `.describe()` text, in the
 * schema's order. Throws naming the variables that have no description: a new variable is
 * documented where it is declared.
 */
export function envVariableDocs(): EnvVariableDoc[] {
  // The input side: the defaults as an operator writes them ("true", "api,worker,scheduler"),
  // not what the transforms make of them.
  const schema = z.toJSONSchema(envVariables, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, JsonSchemaProperty> };
  const docs = Object.entries(schema.properties).map(([name, property]): EnvVariableDoc => ({
    name,
    default: property.default === undefined ? undefined : String(property.default),
    description: property.description ?? '',
    ...(property.enum ? { values: property.enum.map(String) } : {}),
  }));
  const undocumented = docs.filter((doc) => doc.description.trim() === '').map((doc) => doc.name);
  if (undocumented.length > 0) throw new Error(`env.schema.ts: no .describe() for ${undocumented.join(', ')}`);
  return docs;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const describeValues = (doc: EnvVariableDoc): string => (doc.values ? `${doc.description} One of: ${doc.values.join(', ')}.` : doc.description);

/** The text of `.env.example`: every variable, commented out at its default, under its description. */
export function renderEnvExample(docs: readonly EnvVariableDoc[] = envVariableDocs()): string {
  const header = [
    '# points-engine configuration: every environment variable, at its default.',
    '# Copy it to .env (`cp .env.example .env`, kept out of git) and uncomment what you change. Every',
    '# entry point (npm start, the API, workers, the scheduler, the CLI) reads .env from its working',
    '# directory at start. A variable already set in the environment wins over .env (Node\'s',
    '# process.loadEnvFile never overrides one). docs/operations.md explains them.',
    '#',
    '# Generated from libs/config/src/env.schema.ts by `npm run env:docs`: edit the schema, not this file.',
  ];
  const blocks = docs.map((doc) => [...wrap(describeValues(doc), 98).map((line) => `# ${line}`), `# ${doc.name}=${doc.default ?? ''}`].join('\n'));
  return `${header.join('\n')}\n\n${blocks.join('\n\n')}\n`;
}

/** The configuration table of docs/operations.md (markdown); docs/*.md paths become links beside it. */
export function renderEnvTable(docs: readonly EnvVariableDoc[] = envVariableDocs()): string {
  const cell = (text: string) => text.replaceAll('|', '\\|').replace(/\bdocs\/([a-z-]+\.md)\b/g, '[docs/$1]($1)');
  const rows = docs.map((doc) => `| \`${doc.name}\` | ${doc.default === undefined ? '(unset)' : `\`${doc.default}\``} | ${cell(describeValues(doc))} |`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
