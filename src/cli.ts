#!/usr/bin/env -S node --v8-pool-size=1
/**
 * The executable (package.json "bin", the Docker entrypoint): check the Node version, then load
 * the command line (cli/commands.ts). Static imports are hoisted and evaluated before any code
 * here runs, and on an older Node some of them fail (fauxqs 2 imports node:sqlite, which Node 20
 * lacks) with a stack trace. So this file imports nothing: an old Node gets one line naming the
 * Node to install, and exit code 2 (EXIT.usage in errors.ts: fixable before anything is sent).
 *
 * The floor, 22.13: node:sqlite without a flag (fauxqs 2) and the floor yargs 18 and eslint 10
 * name for 22; the AWS SDK v3 needs 22 from January 2027. Keep it equal to package.json's
 * engines.node (test/node-floor.test.ts checks both).
 *
 * The shebang's --v8-pool-size=1: V8's four background threads (GC helpers, compilers) fought
 * the load's own threads for small machines' cores; with one, a 100k drain used 11% less CPU
 * (6 of 6 paired runs on 2 cores) and a send ~8% less. The Dockerfile and the bench use the same flags.
 */
const FLOOR = { major: 22, minor: 13 };

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < FLOOR.major || (major === FLOOR.major && minor < FLOOR.minor)) {
  process.stderr.write(
    `sqs-blast: needs Node.js ${FLOOR.major}.${FLOOR.minor} or later, this is ${process.version}: install Node.js 24 LTS, ` +
      `or in a checkout of sqs-blast run it as 'npx sqs-blast' after 'npm ci' (which brings Node 24)\n`,
  );
  process.exitCode = 2;
} else {
  // V8's compiled code of our modules, cached on disk (os.tmpdir()/node-compile-cache) from the
  // first run on: a 10-message send's CPU went from 0.45-0.58 s to 0.41-0.45 s (5 runs each, a
  // loaded 2-core box). Set in the environment too, so worker threads and child processes use it.
  // Node skips it where the directory is not writable; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  const { enableCompileCache } = await import('node:module');
  const cache = enableCompileCache(process.env.NODE_COMPILE_CACHE);
  if (cache.directory) process.env.NODE_COMPILE_CACHE = cache.directory;
  const { main } = await import('./cli/commands.js');
  await main();
}
