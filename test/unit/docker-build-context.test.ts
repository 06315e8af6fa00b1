// Pure: reads the Dockerfile, .dockerignore, docker-compose.yml and the source tree; no services.
// There is no Docker engine on this machine, so the image cannot be built here: these checks keep
// what the build reads from the repository in step with it (the CMD itself runs in
// test/integration/production-launch.test.ts).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
const instructions = read('Dockerfile')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
/** The build stages, each from its FROM line; the last one is the image. */
const stages: string[][] = [];
for (const line of instructions) {
  if (line.startsWith('FROM ')) stages.push([line]);
  else stages.at(-1)?.push(line);
}
const runtime = stages.at(-1) ?? [];

/**
 * .dockerignore as Docker applies it: patterns relative to the context root, `*` within a path
 * segment, `**` across segments, a pattern that matches a directory excludes what is under it,
 * `!` re-includes, and the last matching rule wins.
 */
function dockerIgnored(path: string): boolean {
  const rules = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+/, '');
      const source = pattern
        .split('/')
        .map((segment) => (segment === '**' ? '\u0000' : segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/')
        .replace(/\u0000\//g, '(?:.*/)?')
        .replace(/\u0000/g, '.*');
      return { negated, regex: new RegExp(`^${source}$`) };
    });
  const segments = path.split('/');
  const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) if (prefixes.some((prefix) => rule.regex.test(prefix))) ignored = !rule.negated;
  return ignored;
}

/** Every file under `dir` (relative to the root), skipping installed and built output. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(join(ROOT, path)).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('.dockerignore as Docker reads it (the matcher itself)', () => {
  it.each([
    ['node_modules/x/index.js', true],
    ['libs/db/node_modules/pg/index.js', true],
    ['libs/db/dist/index.js', true],
    ['test/unit/a.test.ts', true],
    ['libs/db/src/index.ts', false],
    ['package.json', false],
    ['.env', true],
    ['.env.example', false],
  ])('%s ignored: %s', (path, ignored) => {
    expect(dockerIgnored(path)).toBe(ignored);
  });
});

describe('the Dockerfile', () => {
  const copies = instructions.filter((line) => line.startsWith('COPY ') && !line.includes('--from='));

  it('copies only paths that exist in the repository, none of them excluded by .dockerignore', () => {
    const sources = copies.flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), `COPY ${source}`).toBe(true);
      expect(dockerIgnored(source), `COPY ${source} is excluded by .dockerignore`).toBe(false);
    }
  });

  it('sends everything npm ci and the build read from libs/ and apps/ (package.json, tsconfig.json, src/), and no host node_modules or dist', () => {
    const packages = ['libs', 'apps'].flatMap((group) => readdirSync(join(ROOT, group)).map((name) => `${group}/${name}`));
    const needed = packages.flatMap((dir) => [`${dir}/package.json`, `${dir}/tsconfig.json`, ...filesUnder(`${dir}/src`)]);
    expect(needed.filter((path) => dockerIgnored(path))).toEqual([]);
    // A stale dist/ with its .tsbuildinfo would let `tsc -b` skip the build: it must stay outside.
    expect(packages.every((dir) => dockerIgnored(`${dir}/dist/index.js`) && dockerIgnored(`${dir}/dist/.tsbuildinfo`))).toBe(true);
    expect(packages.every((dir) => dockerIgnored(`${dir}/node_modules/x/index.js`))).toBe(true);
  });

  it('runs as an unprivileged user, with node itself as the command of a script the build makes', () => {
    expect(stages.length).toBeGreaterThan(1);
    const user = runtime.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
    const cmd = JSON.parse((runtime.find((line) => line.startsWith('CMD ')) ?? 'CMD null').slice(4)) as string[];
    expect(cmd[0]).toBe('node');
    const script = cmd.at(-1) as string;
    expect(script).toMatch(/^apps\/[a-z-]+\/dist\/main\.js$/);
    expect(existsSync(join(ROOT, script.replace('/dist/', '/src/').replace(/\.js$/, '.ts')))).toBe(true);
  });
});

describe('docker-compose.yml', () => {
  const compose = read('docker-compose.yml');

  it('runs every engine service as node on a compiled entry point, under an init', () => {
    const commands = [...compose.matchAll(/^\s+command: (\["node".*\])$/gm)].map((match) => JSON.parse(match[1] as string) as string[]);
    expect(commands.map((command) => command.at(-1))).toEqual(['apps/api/dist/main.js', 'apps/worker/dist/main.js', 'apps/scheduler/dist/main.js', 'apps/bot/dist/main.js']);
    for (const command of commands) expect(existsSync(join(ROOT, (command.at(-1) as string).replace('/dist/', '/src/').replace(/\.js$/, '.ts')))).toBe(true);
    expect(compose).toMatch(/^\s+init: true$/m);
  });
});
