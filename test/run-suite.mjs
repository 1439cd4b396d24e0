#!/usr/bin/env node
/**
 * `npm test` after the build: vitest.config.ts's two projects, each in a vitest of its own with its
 * own local SQS server, a file in a process of its own either way:
 *
 * - `parallel`, three files at a time: the unit files and every integration file that asserts no
 *   rate or timer against the machine's load.
 * - `serial`, one file at a time, alone, after them: the files that measure a rate or pacing.
 *
 * SUITE_OVERLAP=1 runs the two at the same time instead, `parallel` at nice 10 (a weight of 110
 * against the serial file's 1024 where both want a core). It took `npm test` to 6:49
 * here, but is not the default: in two of three fresh-clone `.ci/run`s burst's `--drain` verdict
 * read "client-limited" with the pool beside it (once on a quiet machine), and beside two CPU hogs
 * the nice-10 pool starved into 19 timeouts. The serial files' measurements need the machine.
 *
 * Output: each line is prefixed with its part. Both run even when one fails, so one red file
 * never hides the rest; the exit code is non-zero if either failed. With VITEST_JSON set (as
 * .ci/run sets it), the two JSON reports are summed into that one file, which .ci/run reads for
 * its closing line. Arguments go to both runs (`npm test -- test/drain.int.test.ts`); a part with
 * no file among them is skipped, not failed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const parts = [
  { project: 'parallel', flags: ['--maxWorkers', '3', '--minWorkers', '1'], nice: 10 },
  { project: 'serial', flags: ['--no-file-parallelism'], nice: 0 },
];
const json = process.env.VITEST_JSON;
const extra = process.argv.slice(2);
const overlap = process.env.SUITE_OVERLAP === '1';

function run({ project, flags, nice }) {
  const out = json ? json.replace(/(\.json)?$/, `.${project}.json`) : undefined;
  if (out) rmSync(out, { force: true });
  const child = spawn(process.execPath, [vitest, 'run', '--project', project, '--passWithNoTests', ...flags, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Colours as if vitest wrote to this terminal itself: the pipe would turn them off (and a
    // FORCE_COLOR of any value, even 0, turns them on, so it is set only for a terminal).
    env: { ...process.env, ...(out ? { VITEST_JSON: out } : {}), ...(process.stdout.isTTY && !('FORCE_COLOR' in process.env) ? { FORCE_COLOR: '1' } : {}) },
  });
  // Before vitest has read its config, so before it starts any file process.
  if (nice && overlap) {
    try {
      setPriority(child.pid, nice);
    } catch {
      // Not permitted here (some containers): the parts still run, only without the priority.
    }
  }
  const tag = `[${project}] `;
  for (const [stream, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => to.write(tag + line + '\n'));
  }
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const report = out && existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : undefined;
      resolve({ ok: code === 0 && (!out || report !== undefined), report });
    });
  });
}

const results = [];
if (overlap) results.push(...(await Promise.all(parts.map(run))));
else for (const part of parts) results.push(await run(part));
const failed = results.some((r) => !r.ok);

if (json) {
  const reports = results.map((r) => r.report).filter(Boolean);
  const sum = (key) => reports.reduce((n, r) => n + (r[key] ?? 0), 0);
  const keys = ['numTotalTestSuites', 'numPassedTestSuites', 'numFailedTestSuites', 'numPendingTestSuites', 'numTotalTests', 'numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests'];
  const merged = Object.fromEntries(keys.map((k) => [k, sum(k)]));
  merged.success = !failed && reports.every((r) => r.success);
  merged.startTime = Math.min(...reports.map((r) => r.startTime));
  merged.testResults = reports.flatMap((r) => r.testResults);
  writeFileSync(json, JSON.stringify(merged));
}
process.exit(failed ? 1 : 0);
