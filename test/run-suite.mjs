#!/usr/bin/env node
/**
 * `npm test` after the build: vitest.config.ts's two projects in turn, `parallel` with two files
 * at a time, then `serial` one at a time (a file in a process of its own either way), each with
 * its own local SQS server. Both run even when the first fails, so one red file never hides the
 * rest; the exit code is non-zero if either failed. With VITEST_JSON set (as .ci/run sets it),
 * the two JSON reports are summed into that one file, which .ci/run reads for its closing line.
 * Arguments go to both runs (`npm test -- test/drain.int.test.ts`); a project with no file among
 * them is skipped, not failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const parts = [
  { project: 'parallel', flags: ['--maxWorkers', '2', '--minWorkers', '1'] },
  { project: 'serial', flags: ['--no-file-parallelism'] },
];
const json = process.env.VITEST_JSON;
const extra = process.argv.slice(2);

let failed = false;
const reports = [];
for (const { project, flags } of parts) {
  const out = json ? json.replace(/(\.json)?$/, `.${project}.json`) : undefined;
  if (out) rmSync(out, { force: true });
  console.log(`\n== vitest project ${project}`);
  const run = spawnSync(process.execPath, [vitest, 'run', '--project', project, '--passWithNoTests', ...flags, ...extra], {
    stdio: 'inherit',
    env: out ? { ...process.env, VITEST_JSON: out } : process.env,
  });
  if (run.status !== 0) failed = true;
  if (out && existsSync(out)) reports.push(JSON.parse(readFileSync(out, 'utf8')));
  else if (out) failed = true;
}

if (json) {
  const sum = (key) => reports.reduce((n, r) => n + (r[key] ?? 0), 0);
  const keys = ['numTotalTestSuites', 'numPassedTestSuites', 'numFailedTestSuites', 'numPendingTestSuites', 'numTotalTests', 'numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests'];
  const merged = Object.fromEntries(keys.map((k) => [k, sum(k)]));
  merged.success = !failed && reports.every((r) => r.success);
  merged.startTime = Math.min(...reports.map((r) => r.startTime));
  merged.testResults = reports.flatMap((r) => r.testResults);
  writeFileSync(json, JSON.stringify(merged));
}
process.exit(failed ? 1 : 0);
