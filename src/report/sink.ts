/**
 * Where every finished document goes, in one order and with one behaviour when S3 fails: the
 * result lines on stdout, `--out s3://…`, the human text (or `--json`), `--out FILE`, `--html`.
 * The load commands, `report`, `burst` (and `report` of bursts) and `compare` all end here, so a
 * failed upload reads and exits the same whatever wrote the document.
 */
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EXIT, UsageError } from '../errors.js';
import { resultChunks } from '../result/lines.js';
import type { ResultStore } from './s3.js';
import { isS3Url, s3Connection, type KeyParts } from '../config/s3-location.js';

/** The flags every document-writing command shares. */
export interface SinkOptions {
  /** A file, or s3://bucket/prefix/ (the store, opened before the work by openStore). */
  out?: string;
  html?: string;
  /** The document's JSON on stdout; the human text goes to stderr. */
  json: boolean;
  /** Print the document as result lines (`report` reads them back from logs). */
  resultLine: boolean;
}

/** What the human text adds once storage is known: where it went, and why the exit changed. */
export interface StoreNotes {
  notes: string[];
  reasons: string[];
}

export interface FinishedDocument {
  /** The document as JSON takes it (the file, the object, the result lines, --json). */
  doc: object;
  /** What it is called in the one line a failed upload prints: "result", "burst document"… */
  noun: string;
  /** Its S3 key's parts; its result lines' too, when `lines` is set. */
  key: KeyParts;
  /** Whether it goes out as result lines: only what `report` can read back (results, burst documents). */
  lines: boolean;
  /** The human text, given the exit code after storage and what storage adds to say. */
  text: (exitCode: number, store: StoreNotes) => string;
  /** The --html page. */
  html?: () => string;
  /** After the object is stored, e.g. a ledger's done marker; a failure counts as the upload's. */
  afterStored?: () => Promise<void>;
}

/** A text with no place of its own for them: what storage adds, after it (where it went; why the exit rose). */
export function withStoreNotes(text: string, exitCode: number, stored: StoreNotes): string {
  const why = stored.reasons.length ? [`exit ${exitCode}: ${stored.reasons.join(', ')}`] : [];
  return [text, ...stored.notes, ...why].join('\n');
}

/** Fail before the work, not after it, when --out (or --html) cannot be written. */
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
 * Print and store a finished document; returns the exit code. The result lines go out first: if
 * the upload that follows fails, or the pod is killed during it, they are the copy that remains.
 *
 * An upload that still fails after the SDK's retries (README "Exit codes") is one stderr line;
 * the work is done and everything local is still written (the text, --out FILE cannot be set at
 * the same time, --html), the result lines are printed if they were not (the only copy left), and
 * exit 0 becomes 1: finished, but the durable copy is missing. Not 2, which says nothing was
 * sent; not 99, which is a threshold's; a code already above 0 stands.
 */
export async function deliver(d: FinishedDocument, output: SinkOptions, exitCode: number, store?: ResultStore): Promise<number> {
  const json = JSON.stringify(d.doc);
  const printLines = () => process.stdout.write(resultChunks(d.key, json).join('\n') + '\n');
  const linesPrinted = d.lines && !output.json && output.resultLine;
  if (linesPrinted) printLines();
  let code = exitCode;
  const said: StoreNotes = { notes: [], reasons: [] };
  if (store) {
    try {
      said.notes.push(`stored     ${await store.put(d.key, json)}`);
      await d.afterStored?.();
    } catch (e) {
      const fallback = output.json ? 'the JSON on stdout' : d.lines ? 'the result lines on stdout (sqs-blast report -)' : 'the output on stdout';
      process.stderr.write(`sqs-blast: ${(e as Error).message}; the ${d.noun} was not stored, keep ${fallback}\n`);
      // Nothing else would keep it: print the lines now.
      if (d.lines && !output.json && !linesPrinted) printLines();
      said.notes.push(`stored     NOT: the upload to ${store.location.url} failed (see stderr)`);
      said.reasons.push(`${d.noun} not stored in S3`);
      if (code === EXIT.ok) code = EXIT.incomplete;
    } finally {
      store.close();
    }
  }
  const text = d.text(code, said);
  if (output.json) {
    process.stderr.write(text + '\n');
    process.stdout.write(json + '\n');
  } else {
    process.stdout.write(text + '\n');
  }
  if (output.out && !isS3Url(output.out)) writeFileSync(output.out, JSON.stringify(d.doc, null, 2) + '\n');
  if (output.html && d.html) writeFileSync(output.html, d.html());
  return code;
}
