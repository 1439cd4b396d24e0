/**
 * `sqs-blast report`: read results from files, logs (stdin) and S3, merge them, say what the
 * merge lacks, judge, and write the merged result like any other (summary, --out, --html).
 */
import { readFileSync } from 'node:fs';
import { reportBursts } from '../burst/report.js';
import { UsageError } from '../errors.js';
import { DEFAULTS, validateEndpoint } from '../config.js';
import { mergeResults } from './merge.js';
import { checkWritable, emit, openStore } from './output.js';
import { isS3Url, parseS3Url, s3Connection } from './s3-location.js';
import { readResults } from './sources.js';
import { conclude, parseThresholds } from './thresholds.js';

export async function runReport(argv: Record<string, unknown>): Promise<void> {
  const files = ((argv.files as unknown[]) ?? []).map(String);
  const out = argv.out === undefined ? undefined : String(argv.out);
  const html = argv.html === undefined ? undefined : String(argv.html);
  const runId = argv.runId === undefined ? undefined : String(argv.runId);
  checkWritable(out);
  checkWritable(html, '--html');
  if (isS3Url(out)) parseS3Url(out, '--out');
  const thresholds = parseThresholds(argv.threshold);
  // s3:// sources and --out: the same endpoint rule as the load commands (AWS_ENDPOINT_URL_S3,
  // else a non-AWS --endpoint / AWS_ENDPOINT_URL_SQS, else AWS).
  const region = argv.region === undefined ? (process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULTS.region) : String(argv.region);
  const rawEndpoint = argv.endpoint === undefined ? (process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL) : String(argv.endpoint);
  const endpoint = rawEndpoint ? validateEndpoint(rawEndpoint, argv.endpoint === undefined ? 'AWS_ENDPOINT_URL_SQS' : '--endpoint') : undefined;
  const { results, bursts, repeated } = await readResults(files, { stdin: () => readFileSync(0, 'utf8'), runId, s3: () => s3Connection(endpoint, region) });
  if (repeated) process.stderr.write(`sqs-blast: ${repeated} result${repeated > 1 ? 's' : ''} found more than once (the same log or object given twice) counted once\n`);
  if (bursts.length) {
    if (results.length) throw new UsageError('report: burst documents and send/drain/run results cannot be merged together; report each kind on its own');
    process.exitCode = await reportBursts(bursts, { out, html, json: Boolean(argv.json), thresholds }, await openStore(out, endpoint, region));
    return;
  }
  const jobUids = ((argv.jobUid as unknown[]) ?? []).flatMap((u) => String(u).split(',')).filter(Boolean);
  const merged = mergeResults(results, { jobUids });
  for (const w of merged.coverage?.warnings ?? []) process.stderr.write(`sqs-blast: warning: ${w}\n`);
  const store = await openStore(out, endpoint, region);
  const output = { out, html, json: Boolean(argv.json), quiet: true, progressIntervalMs: 0, depthIntervalMs: 0, resultLine: Boolean(argv.resultLine) };
  process.exitCode = await emit(merged, output, conclude(merged, thresholds), store);
}
