// `npm run mutate`: StrykerJS over the core modules, with the unit tests that cover them
// (vitest.mutate.config.ts). Not part of `npm test`: it runs every mutant against the tests that
// cover it, minutes on this 2-core machine (README, Tests). Incremental: a later run re-tests only
// mutants whose code or covering tests changed (reports/stryker-incremental.json).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  mutate: [
    'src/metrics/integrity.ts',
    'src/metrics/seq-bits.ts',
    'src/metrics/tally.ts',
    'src/report/merge.ts',
    'src/config/thresholds.ts',
    'src/report/thresholds.ts',
    'src/result/lines.ts',
    'src/load/schedule.ts',
    'src/config/pacing.ts',
    'src/worker-kit/batch-call.ts',
  ],
  // Each mutant runs only the tests that reached it.
  coverageAnalysis: 'perTest',
  // A static mutant (module-level code: tables, regexes) runs at import, so every test must run
  // for each one: 321 of 1,478 mutants took an estimated 94% of the time (hours here). They are
  // left out of the score, which the README says.
  ignoreStatic: true,
  // The machine is shared: two test processes at most.
  concurrency: 2,
  // Over the tests' own time (x1.5): a busy shared machine slows every run; a mutant that loops (a retry
  // that never ends) is cut there, and counts as detected.
  timeoutMS: 10_000,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
};
