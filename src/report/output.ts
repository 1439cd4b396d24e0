/**
 * Where a finished result goes: summary, --json, --out (a file or S3), and the result lines for
 * log scrapers.
 */
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { OutputOptions } from '../config.js';
import { EXIT, UsageError } from '../errors.js';
import type { Result } from './result.js';
import { resultChunks } from './result-lines.js';
import type { ResultStore } from './s3.js';
import { isS3Url, s3Connection } from './s3-location.js';
import { renderSummary } from './summary.js';
import { writeHtml } from './html.js';

/** Fail before the run, not after it, when --out cannot be written. */
export function checkWritable(file: string | undefined, flag = '--out'): void {
  if (!file || isS3Url(file)) return;
  const path = resolve(file);
  try {
    accessSync(existsSync(path) ? path : dirname(path), constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${file} cannot be written (missing folder or no permission); choose another path`);
  }
}

/**
 * --out s3://: open the store and prove the bucket answers, before anything is sent. The S3
 * endpoint follows the SQS one (see s3Connection); undefined for a file or no --out.
 */
export async function openStore(out: string | undefined, sqsEndpoint: string | undefined, region: string): Promise<ResultStore | undefined> {
  if (!isS3Url(out)) return undefined;
  const { ResultStore } = await import('./s3.js');
  return ResultStore.open(out, s3Connection(sqsEndpoint, region));
}

/**
 * Print and store the result; returns the exit code. The result lines go out first: if the
 * upload that follows fails, or the pod is killed during it, they are the copy that remains.
 * An upload that still fails after the SDK's retries turns exit 0 into 1 (finished, but the
 * durable result is missing; not 2, which means nothing was sent); other codes stand.
 */
export async function emit(result: Result, output: OutputOptions, exitCode: number, store?: ResultStore, afterStored?: () => Promise<void>): Promise<number> {
  const json = JSON.stringify(result);
  const printLines = () => process.stdout.write(resultChunks(result, json).join('\n') + '\n');
  const linesPrinted = !output.json && output.resultLine;
  if (linesPrinted) printLines();
  let code = exitCode;
  const notes: string[] = [];
  const reasons: string[] = [];
  if (store) {
    try {
      notes.push(`stored     ${await store.put(result, json)}`);
      await afterStored?.();
    } catch (e) {
      const fallback = output.json ? 'the JSON on stdout' : 'the result lines on stdout (sqs-blast report -)';
      process.stderr.write(`sqs-blast: ${(e as Error).message}; the result was not stored, keep ${fallback}\n`);
      // Nothing else would keep it: print the lines now.
      if (!output.json && !linesPrinted) printLines();
      notes.push(`stored     NOT: the upload to ${store.location.url} failed (see stderr)`);
      reasons.push('result not stored in S3');
      if (code === EXIT.ok) code = EXIT.incomplete;
    } finally {
      store.close();
    }
  }
  const summary = renderSummary(result, code, { notes, reasons });
  if (output.json) {
    process.stderr.write(summary + '\n');
    process.stdout.write(json + '\n');
  } else {
    process.stdout.write(summary + '\n');
  }
  if (output.out && !isS3Url(output.out)) writeFileSync(output.out, JSON.stringify(result, null, 2) + '\n');
  if (output.html) writeHtml(output.html, result);
  return code;
}
