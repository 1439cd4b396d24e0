/** `sqs-blast report` given burst documents: judge the fleet's steps, print and store them as burst does. */
import { writeFileSync } from 'node:fs';
import { EXIT, UsageError } from '../errors.js';
import type { ResultStore } from '../report/s3.js';
import { isS3Url } from '../report/s3-location.js';
import type { AnyBurstDocument } from './document.js';
import { writeSearchHtml } from './html.js';
import { judgeBursts } from './merge.js';
import { renderSearch } from './render.js';

export const BURST_REPORT_SCHEMA = 'sqs-blast/burst-report@1';

export interface BurstReportOutput {
  out?: string;
  html?: string;
  json: boolean;
  thresholds: unknown[];
}

export async function reportBursts(docs: AnyBurstDocument[], output: BurstReportOutput, store?: ResultStore): Promise<number> {
  if (output.thresholds.length) {
    store?.close();
    throw new UsageError('--threshold gates send/drain/run results; a burst is judged by its SLOs (--slo-p99, --slo-errors when it ran): drop --threshold');
  }
  let judged;
  try {
    judged = judgeBursts(docs);
  } catch (e) {
    store?.close();
    throw e;
  }
  const { runId, shards, search, warnings } = judged;
  for (const w of warnings) process.stderr.write(`sqs-blast: warning: ${w}\n`);
  const doc = { kind: 'burst-report', schema: BURST_REPORT_SCHEMA, runId, shards, parts: docs.length, warnings, search };
  const json = JSON.stringify(doc);
  if (store) {
    try {
      process.stderr.write(`sqs-blast: stored ${await store.put({ kind: 'report', runId: runId ?? 'burst', shard: 0, shards, startedAt: Date.now() }, json)}\n`);
    } finally {
      store.close();
    }
  }
  if (output.out && !isS3Url(output.out)) writeFileSync(output.out, JSON.stringify(doc, null, 2) + '\n');
  if (output.html) writeSearchHtml(output.html, search);
  const title = `sqs-blast report: burst${runId ? ` run ${runId}` : ''}, ${shards} shard${shards > 1 ? 's' : ''} merged step by step`;
  const text = renderSearch(search, title);
  if (output.json) {
    process.stderr.write(text + '\n');
    process.stdout.write(json + '\n');
  } else process.stdout.write(text + '\n');
  return EXIT.ok;
}
