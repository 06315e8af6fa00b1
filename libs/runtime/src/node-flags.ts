/**
 * The Node flags every engine process runs with, for harnesses that start the entry points
 * themselves (package.json's start scripts, ecosystem.config.cjs and the Dockerfile pass the same):
 * a 4 MB young generation (V8's default grows to 16 MB) makes scavenges more frequent but far
 * shorter, which took the balance-read p99 from about 6 to 4.5 ms.
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * How a harness runs an entry point from its TypeScript source instead of the compiled `dist`
 * (tests, bench and chaos exercise the code as it is, unbuilt): the workspace packages' `source`
 * export condition and tsx's loader. Production starts `node dist/…` without either.
 */
export const SOURCE_NODE_FLAGS: readonly string[] = ['--conditions=source', '--import', 'tsx'];
