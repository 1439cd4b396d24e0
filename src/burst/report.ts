/** `sqs-blast report` given burst documents: judge the fleet's steps, print and store them as burst does. */
import { EXIT, UsageError } from '../errors.js';
import type { ResultStore } from '../report/s3.js';
import { deliver, withStoreNotes, type SinkOptions } from '../report/sink.js';
import type { AnyBurstDocument } from '../result/burst.js';
import { renderSearchHtml } from './html.js';
import { judgeBursts } from './merge.js';
import { renderSearch } from './render.js';

export const BURST_REPORT_SCHEMA = 'sqs-blast/burst-report@1';

export interface BurstReportOutput extends SinkOptions {
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
  const title = `sqs-blast report: burst${runId ? ` run ${runId}` : ''}, ${shards} shard${shards > 1 ? 's' : ''} merged step by step`;
  return deliver(
    {
      doc,
      noun: 'burst report',
      // Stored as `report-…`, which listing skips (as a results report is).
      key: { kind: 'report', runId: runId ?? 'burst', shard: 0, shards, startedAt: Date.now() },
      // A judged report is not read back by report: no result lines.
      lines: false,
      text: (exit, stored) => withStoreNotes(renderSearch(search, title), exit, stored),
      html: () => renderSearchHtml(search),
    },
    output,
    EXIT.ok,
    store,
  );
}
