#!/usr/bin/env node
/**
 * The second half of `npm run build`: after tsc has written dist/, bundle the executable and the
 * worker threads in place, so `dist/src/cli.js` (package.json "bin", the image's entrypoint) and
 * `dist/workers/*.js` (the Piscina and server threads) each load a handful of files instead of
 * resolving hundreds of modules one by one (ours, the AWS SDK's, Smithy's) through the ESM loader.
 *
 * Measured on the 2-core VM, a 10-message send to a running server: 0.558 s CPU before, 0.477 s
 * after (farm-bench medians, 8 paired runs; bench/NOTES.md "The bundled build"). Every CLI child
 * the suite spawns pays this start-up, ~500 of them.
 *
 * Splitting keeps what each command loads its own: the entry holds only the Node floor check
 * (src/cli.ts imports nothing statically, so an old Node still gets its one line), and each
 * `await import()` becomes a chunk loaded when it is reached. The chunks sit in dist/chunks/, one
 * level under dist/ as src/ and workers/ are, so the `new URL('../workers/x.js', import.meta.url)`
 * of src/producers.ts, src/consumers.ts and src/local.ts still names dist/workers/x.js from a chunk.
 *
 * Not bundled (they find files next to their own): piscina (its worker script), fauxqs (pino's
 * transport threads) and yargs (its locales and package.json). The build fails if the bundle
 * refers to __dirname or __filename, which would name dist/chunks/ instead of the package that
 * meant itself: a new dependency of that kind goes into EXTERNAL.
 */
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const EXTERNAL = ['piscina', 'fauxqs', 'yargs', 'yargs/*'];
const dist = 'dist';
const workers = readdirSync(join(dist, 'workers')).filter((f) => f.endsWith('.js')).map((f) => join(dist, 'workers', f));

rmSync(join(dist, 'chunks'), { recursive: true, force: true });
const { metafile } = await build({
  entryPoints: [join(dist, 'src', 'cli.js'), ...workers],
  outdir: dist,
  outbase: dist,
  allowOverwrite: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // The ESM builds first: the SDK's `await import('@aws-sdk/credential-provider-node')` of a
  // CommonJS build came back without its named exports once split into a chunk.
  mainFields: ['module', 'main'],
  external: EXTERNAL,
  // CommonJS dependencies (cli-progress, hdr-histogram-js) call require() for Node's modules.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});

const located = Object.keys(metafile.outputs)
  .filter((f) => f.endsWith('.js'))
  .filter((f) => /\b__(dirname|filename)\b/.test(readFileSync(f, 'utf8')));
if (located.length > 0) {
  console.error(`scripts/bundle.mjs: ${located.join(', ')} refer to __dirname or __filename: add the dependency that does to EXTERNAL`);
  process.exit(1);
}
