import { readdirSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';
import type { InlineConfig } from 'vitest/node';

// The SDK is pinned; its notice about future Node requirements is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** What every run of the suite shares (vitest.unit.config.ts and the mutation run too). */
export const shared: InlineConfig = {
  testTimeout: 120_000,
  hookTimeout: 60_000,
  reporters: process.env.VITEST_JSON ? ['default', ['json', { outputFile: process.env.VITEST_JSON }]] : ['default'],
};

/**
 * Two projects, run one after the other by test/run-suite.mjs (`npm test`): `parallel` two files at
 * a time, then `serial` one at a time, each file in a process of its own as before. (vitest 3.2 has
 * no per-project worker count, and its singleFork would put every serial file in one process.)
 *
 * Integration files that may run beside another file: none measures a rate, a latency or a
 * timer's effect against the machine's load. Their time is mostly waiting (a held queue name,
 * pods as processes, S3 round trips, a paced 100 msg/s run). Two at once on 2 cores finished 17
 * of them (all but verifying-sqs) in 140 s instead of ~220 s, beside another job; in a quiet
 * `.ci/run` the whole part (these and the unit files) took 230 s of wall for 396 s of test time. The bounds they
 * do assert are stated with their margin where they are: lifecycle's refusals within 15 s of a
 * 20 s hold, k8s.local's wait of at least 3 s, verifying-sqs' `sent > 100 × (run - 5 s)` at
 * 100 msg/s. Every other *.int.test.ts file runs alone, after these (`serial`): it measures
 * msg/s, latency or pacing (burst, pacing, fidelity, coordinated omission), or kills processes
 * at moments the load could move (ledger, k8s-run, reliability, not-sent), and a neighbour's
 * CPU would be its flake.
 */
export const PARALLEL_INTEGRATION = [
  'bad-input', 'docker', 'env', 'error-codes', 'foreign', 'k8s.local', 'k8s.pods', 'lifecycle',
  'receive-reply', 's3-probe', 's3-results', 'scale-out', 'security', 'sink', 'sns-fanout', 'tls',
  'verifying-sqs', 'wire',
].map((name) => `test/${name}.int.test.ts`);

const integration = readdirSync('test').filter((f) => f.endsWith('.int.test.ts')).map((f) => `test/${f}`);
const stale = PARALLEL_INTEGRATION.filter((f) => !integration.includes(f));
if (stale.length > 0) throw new Error(`vitest.config.ts: PARALLEL_INTEGRATION names files that do not exist: ${stale.join(', ')}`);
export const SERIAL_INTEGRATION = integration.filter((f) => !PARALLEL_INTEGRATION.includes(f));

export default defineConfig({
  test: {
    ...shared,
    projects: [
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SERIAL_INTEGRATION],
          // One real SQS-compatible server per project (fauxqs over HTTP): test/global-setup.ts.
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'serial',
          include: SERIAL_INTEGRATION,
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
