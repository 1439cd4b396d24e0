/** Where a finished result goes: summary, --json, --out, and the result line for log scrapers. */
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { OutputOptions } from '../config.js';
import { UsageError } from '../errors.js';
import { resultLine, type Result } from './result.js';
import { renderSummary } from './summary.js';
import { writeHtml } from './html.js';

/** Fail before the run, not after it, when --out cannot be written. */
export function checkWritable(file: string | undefined, flag = '--out'): void {
  if (!file) return;
  const path = resolve(file);
  try {
    accessSync(existsSync(path) ? path : dirname(path), constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${file} cannot be written (missing folder or no permission); choose another path`);
  }
}

export function emit(result: Result, output: OutputOptions, exitCode: number): void {
  const summary = renderSummary(result, exitCode);
  if (output.json) {
    process.stderr.write(summary + '\n');
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    process.stdout.write(summary + '\n');
    if (output.resultLine) process.stdout.write(resultLine(result) + '\n');
  }
  if (output.out) writeFileSync(output.out, JSON.stringify(result, null, 2) + '\n');
  if (output.html) writeHtml(output.html, result);
}
