/**
 * Where `report` finds results: JSON files (--out), log files or stdin (`-`) with result lines,
 * and s3:// locations, in any mix. The same result found twice (a log collected twice, or a pod's
 * log given beside its S3 object) is counted once: it is one process's result, identified by the
 * checksum of its content.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { AnyBurstDocument } from '../result/burst.js';
import type { Result } from '../result/document.js';
import { contentSha, ResultCollector } from '../result/lines.js';
import { isS3Url, s3Connection, type S3Connection } from '../config/s3-location.js';

export interface ReadOptions {
  stdin: () => string;
  /** Only results of this run id. */
  runId?: string;
  /** How to reach S3, for s3:// sources (default: from the environment, as s3Connection reads it). */
  s3?: () => S3Connection;
}

export interface ReadOutcome {
  results: Result[];
  /** Burst documents (one per burst process), judged by burst/merge.ts rather than merged as one result. */
  bursts: AnyBurstDocument[];
  /** Copies of a result already found elsewhere, left out. */
  repeated: number;
}

const NOTHING = '(a JSON file from --out, or SQS_BLAST_RESULT lines)';

export async function readResults(sources: string[], opts: ReadOptions): Promise<ReadOutcome> {
  if (!sources.length) {
    throw new UsageError('report needs result files, s3://bucket/prefix/, or - to read logs from stdin (e.g. kubectl logs -l job-name=X | sqs-blast report -)');
  }
  const collector = new ResultCollector();
  for (const src of sources) {
    if (isS3Url(src)) {
      const { readStoredResults } = await import('./s3.js');
      const conn = opts.s3?.() ?? s3Connection(process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL, process.env.AWS_REGION ?? 'us-east-1');
      const objects = await readStoredResults(src, conn, opts.runId);
      // Every object named like a result must be one: a cut or foreign object is refused, not skipped.
      for (const o of objects) {
        if (!collector.add(o.text, o.source)) throw new UsageError(`report: ${o.source} is not a whole sqs-blast result (cut or corrupt); remove it or store the run again`);
      }
      if (!objects.length) {
        throw new UsageError(
          `report: ${src} holds no sqs-blast result${opts.runId ? ` of run ${opts.runId}` : ''} (objects <runId>/<kind>-<shard>-of-<shards>-….json written by --out s3://); check the bucket, prefix and --run-id`,
        );
      }
      continue;
    }
    let text: string;
    try {
      text = src === '-' ? opts.stdin() : readFileSync(src, 'utf8');
    } catch {
      throw new UsageError(`report: cannot read ${src}; check the path`);
    }
    const name = src === '-' ? 'stdin' : src;
    if (!collector.add(text, name)) throw new UsageError(`report: ${name} holds no sqs-blast result ${NOTHING}`);
  }
  // The same document from two sources (a log and S3, a pod's retried upload) counts once.
  const seen = new Set<string>();
  let repeated = 0;
  const isNew = (doc: unknown): boolean => {
    const sha = contentSha(JSON.stringify(doc));
    if (seen.has(sha)) {
      repeated++;
      return false;
    }
    seen.add(sha);
    return true;
  };
  const ofRun = (runId: string | undefined) => opts.runId === undefined || runId === opts.runId;
  const results: Result[] = [...collector.results()].map((r) => r.result).filter((r) => isNew(r) && ofRun(r.runId));
  const bursts: AnyBurstDocument[] = [...collector.bursts()].map((b) => b.burst).filter((b) => isNew(b) && ofRun('runId' in b ? b.runId : undefined));
  if (!results.length && !bursts.length) throw new UsageError(`report: no result of run ${opts.runId} in ${sources.join(' ')}; check --run-id`);
  return { results, bursts, repeated };
}
