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
 * Two projects, run one after the other by test/run-suite.mjs (`npm test`): `parallel` three files
 * at a time, then `serial` one file at a time, alone, each with its own local SQS server and each
 * file in a process of its own (SUITE_OVERLAP=1 runs them at once: see there why not by default). (vitest 3.2 has no per-project worker count,
 * and its singleFork would put every serial file in one process.)
 *
 * `serial` holds the files that measure a rate or pacing against the machine, each named here
 * with what it measures: a neighbour's CPU or its load on a shared server would be their flake.
 * Every other integration file is in `parallel`: what they assert is exact (counts, integrity,
 * documents) or a bound that a slower machine only makes safer, and where a test waits on the
 * machine it waits for an observed event (a checkpoint in the ledger, a progress line), not a
 * timer. The few timed margins they keep are stated where they are: lifecycle's refusals within
 * 15 s of a 20 s hold, k8s.local's wait of at least 3 s, verifying-sqs' `sent > 100 × (run - 5 s)`
 * at 100 msg/s, workload's heartbeat a second inside a 2 s visibility, dashboard's 24 s live window.
 *
 * Measured on the 2-core VM: the files now in `parallel` took ~1,000 s one after another (the
 * serial ones ~830 s of it, at ~0.4 of a core: mostly waiting).
 */
export const SERIAL_INTEGRATION = [
  'burst', // a front's limit within 15%, consumers capped at 400 msg/s judged per step
  'burst-external', // a python consumer capped at 300 msg/s found within 15%; its pace within 15%
  'burst-shard', // two shards' steps start within 100 ms of each other; a front's limit within 15%
  'pacing', // each stage's rate within 10%, warm-up 1,000 ± 50
  'compare', // a 40 ms proxy must read as a p50 more than 10% worse, throughput "worse"
  'observe-metrics', // rates from depth samples within 15 msg/s at 100 msg/s
].map((name) => `test/${name}.int.test.ts`);

const integration = readdirSync('test').filter((f) => f.endsWith('.int.test.ts')).map((f) => `test/${f}`);
const stale = SERIAL_INTEGRATION.filter((f) => !integration.includes(f));
if (stale.length > 0) throw new Error(`vitest.config.ts: SERIAL_INTEGRATION names files that do not exist: ${stale.join(', ')}`);

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
