// `npm run mutate` (stryker.config.json): the unit tests of the mutated modules, nothing that needs
// the shared SQS server or the built CLI (a mutant lives in the sandbox's src/, not in dist/).
import { defineConfig } from 'vitest/config';
import unit from './vitest.unit.config.js';

export const MUTATION_TESTS = [
  'test/batch-call.test.ts',
  'test/integrity.test.ts',
  'test/seq-bits.test.ts',
  'test/ledger.test.ts',
  'test/merge.test.ts',
  'test/metrics.test.ts',
  'test/completeness.test.ts',
  'test/result-lines.test.ts',
  'test/burst-shard.test.ts',
  'test/tally.test.ts',
  'test/thresholds.test.ts',
  'test/schedule.test.ts',
  'test/pacing.test.ts',
];

export default defineConfig({
  ...unit,
  test: { ...unit.test, include: MUTATION_TESTS },
});
