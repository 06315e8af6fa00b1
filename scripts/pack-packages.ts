// Packs the publishable workspace packages (those not marked private: @points-engine/client and
// the domain and jobs packages it depends on) into npm tarballs of built JavaScript and .d.ts.
//   npm run pack:packages [-- --out DIR]      (default: dist-packages/)
//   npm publish dist-packages/points-engine-domain-0.1.0.tgz   (then jobs, then client)
//
// Why not `npm pack` in the package folder: inside the repository every export has a `source`
// condition pointing at src/*.ts (tests, tsx and the type-checker run the sources), and the
// tarball ships only dist/. A consumer resolving with that common condition name (Node's
// `--conditions=source`, a bundler, tsx) would be sent to files that are not there. npm cannot
// rewrite `exports` on pack (publishConfig does not cover it), so each package is staged: its
// package.json without the source condition, scripts or devDependencies, and dist/ without source
// maps (they point at src/, which is not shipped). Each package's `prepack` refuses a direct pack.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, Record<string, string>>;
  dependencies?: Record<string, string>;
  [field: string]: unknown;
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** The workspace packages npm may publish, by name, with their folders. */
function publishable(): Map<string, { dir: string; manifest: Manifest }> {
  const found = new Map<string, { dir: string; manifest: Manifest }>();
  for (const group of ['libs', 'apps']) {
    for (const name of readdirSync(join(ROOT, group))) {
      const dir = join(ROOT, group, name);
      const manifest = readManifest(dir);
      if (!manifest.private) found.set(manifest.name, { dir, manifest });
    }
  }
  return found;
}

/** The manifest as published: exports without the in-repo `source` condition, plus main/types for older resolvers. */
export function publishedManifest(manifest: Manifest): Manifest {
  const { scripts: _scripts, devDependencies: _dev, exports, ...rest } = manifest;
  const published: Record<string, Record<string, string>> = {};
  for (const [subpath, conditions] of Object.entries(exports ?? {})) {
    const { source: _source, ...shipped } = conditions;
    published[subpath] = shipped;
  }
  const root = published['.'];
  return { ...rest, ...(root?.['default'] ? { main: root['default'] } : {}), ...(root?.['types'] ? { types: root['types'] } : {}), exports: published, files: ['dist'] };
}

/** Copies dist/'s JavaScript and declarations (no maps, no build info), without the source-map comment. */
function copyBuild(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) copyBuild(source, join(to, entry.name));
    else if (entry.name.endsWith('.js') || entry.name.endsWith('.d.ts')) {
      writeFileSync(join(to, entry.name), readFileSync(source, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
    }
  }
}

/** Packs one staged package; fails if an export points at a file the tarball does not hold. */
function packStaged(stage: string, out: string): string {
  const [result] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: stage, encoding: 'utf8' })) as [{ filename: string; files: { path: string }[] }];
  const shipped = new Set(result.files.map((f) => f.path));
  const manifest = readManifest(stage);
  for (const conditions of Object.values(manifest.exports ?? {})) {
    for (const target of Object.values(conditions)) {
      if (!shipped.has(target.replace(/^\.\//, ''))) throw new Error(`${manifest.name}: export ${target} is not in the tarball`);
    }
  }
  const stray = [...shipped].filter((path) => path !== 'package.json' && path !== 'README.md' && !/^dist\/.*\.(js|d\.ts)$/.test(path));
  if (stray.length > 0) throw new Error(`${manifest.name}: unexpected files in the tarball: ${stray.join(', ')}`);
  return join(out, result.filename);
}

/** Builds, stages and packs every publishable package into `out`; returns the tarballs' paths. */
export function packPackages(out: string, options: { build?: boolean } = {}): string[] {
  if (options.build !== false) execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  mkdirSync(out, { recursive: true });
  const packages = publishable();
  const stages = mkdtempSync(join(tmpdir(), 'pe-pack-'));
  try {
    return [...packages.values()].map(({ dir, manifest }) => {
      for (const dependency of Object.keys(manifest.dependencies ?? {})) {
        if (dependency.startsWith('@points-engine/') && !packages.has(dependency)) throw new Error(`${manifest.name} depends on ${dependency}, which is private`);
      }
      const stage = join(stages, manifest.name.replace('/', '__'));
      copyBuild(join(dir, 'dist'), join(stage, 'dist'));
      writeFileSync(join(stage, 'package.json'), `${JSON.stringify(publishedManifest(manifest), null, 2)}\n`);
      if (existsSync(join(dir, 'README.md'))) copyFileSync(join(dir, 'README.md'), join(stage, 'README.md'));
      return packStaged(stage, out);
    });
  } finally {
    rmSync(stages, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = resolve(at > 0 && process.argv[at + 1] ? process.argv[at + 1] as string : join(ROOT, 'dist-packages'));
  for (const tarball of packPackages(out)) console.log(relative(process.cwd(), tarball) || tarball);
}
