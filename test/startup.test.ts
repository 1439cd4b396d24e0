/**
 * What `--help` pays before it prints. yargs 18 and its cliui measure every help cell with
 * string-width; versions 7 and 8 build an `Intl.Segmenter` when they load (ICU's grapheme data:
 * 15-25 ms here) and compile Unicode-set regexes, and yargs' tree carried both: ~100 ms of a
 * 0.2 s `--help`. package.json's `overrides` give yargs' tree string-width 4.2.3 (cli-progress's,
 * already installed), which measures the help's characters (ASCII and … ’ − ×) the same: all
 * 1,379 help lines of every command had equal widths under 4.2.3 and 8.3.0. `--help` went from
 * 0.203 to 0.134 s wall, 0.227 to 0.150 s CPU (farm-bench -n 10, A/B paired, bench/NOTES.md).
 * Not a timed test: it checks the cause, that nothing on the help path builds a Segmenter.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A preload that counts `new Intl.Segmenter()` and prints the count as the process exits. */
function countingPreload(): string {
  const preload = join(mkdtempSync(join(tmpdir(), 'sqs-blast-startup-')), 'count-segmenters.mjs');
  writeFileSync(
    preload,
    [
      'let built = 0;',
      'const Real = Intl.Segmenter;',
      'Intl.Segmenter = class extends Real { constructor(...a) { super(...a); built++; } };',
      "process.on('exit', () => process.stderr.write(`segmenters=${built}\\n`));",
    ].join('\n'),
  );
  return preload;
}

/** Runs `args` (a script and its arguments) under the counting preload. */
function segmentersBuilt(args: string[]): { code: number | null; stdout: string; count: number } {
  const run = spawnSync(process.execPath, ['--import', countingPreload(), ...args], { encoding: 'utf8' });
  const count = /segmenters=(\d+)/.exec(run.stderr)?.[1];
  if (count === undefined) throw new Error(`no count in stderr: ${run.stderr}`);
  return { code: run.status, stdout: run.stdout, count: Number(count) };
}

describe('start-up of --help', () => {
  it('the preload sees a Segmenter when one is built (so a zero below means none was)', () => {
    const script = join(mkdtempSync(join(tmpdir(), 'sqs-blast-startup-')), 'builds-one.mjs');
    writeFileSync(script, 'new Intl.Segmenter();');
    expect(segmentersBuilt([script]).count).toBe(1);
  });

  it.each([[['--help']], [['send', '--help']], [['drain', '--help']]])('%j prints its help without building an Intl.Segmenter', (args) => {
    const run = segmentersBuilt([CLI, ...args]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--help/);
    expect(run.count).toBe(0);
  });

  it("yargs' tree resolves string-width 4 (package.json overrides), not a version that segments at load", () => {
    for (const from of ['yargs', 'cliui', 'wrap-ansi']) {
      const require = createRequire(join(ROOT, 'node_modules', from, 'package.json'));
      const version = (require('string-width/package.json') as { version: string }).version;
      expect(version, from).toMatch(/^4\./);
    }
  });
});
