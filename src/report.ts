/**
 * `sqs-blast report`: read results from files, logs (stdin) and S3, merge them, say what the
 * merge lacks, judge, and write the merged result like any other (summary, --out, --html).
 * With --wait it first polls the run's ledger until every shard has a final result.
 *
 * A command, above burst/ (burst documents are judged by burst/report.ts) and above report/, the
 * room of what a result becomes (summary, HTML, sink, S3 store, merge), which burst/ uses too.
 */
import { readFileSync } from 'node:fs';
import { reportBursts } from './burst/report.js';
import { EXIT, UsageError } from './errors.js';
import { DEFAULTS, validateEndpoint } from './config.js';
import { positiveFlag } from './config/args.js';
import { mergeResults } from './report/merge.js';
import { emit } from './report/output.js';
import { checkWritable, openStore } from './report/sink.js';
import { isS3Url, parseS3Url, s3Connection, type S3Connection } from './config/s3-location.js';
import { readResults } from './report/sources.js';
import { judgeResult, parseThresholds } from './report/thresholds.js';
import { LedgerReader, lackingText, ledgerProgress, ledgerState, waitForLedger, WAIT_DEFAULTS } from './ledger/completeness.js';

export interface ReportExtras {
  /** Shards without a final result after a wait that ended early (one line, e.g. "send shard 1"): the exit is 1. */
  lacking?: string;
  /** The signal that stopped the run (k8s run after Ctrl-C): the exit is 130/143 whatever the verdict. */
  interrupted?: 'SIGINT' | 'SIGTERM';
}

/** The same endpoint rule as the load commands: AWS_ENDPOINT_URL_S3, else a non-AWS --endpoint / AWS_ENDPOINT_URL_SQS, else AWS. */
export function reportConnection(argv: Record<string, unknown>): { endpoint?: string; region: string; conn: () => S3Connection } {
  const region = argv.region === undefined ? (process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULTS.region) : String(argv.region);
  const rawEndpoint = argv.endpoint === undefined ? (process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL) : String(argv.endpoint);
  const endpoint = rawEndpoint ? validateEndpoint(rawEndpoint, argv.endpoint === undefined ? 'AWS_ENDPOINT_URL_SQS' : '--endpoint') : undefined;
  return { endpoint, region, conn: () => s3Connection(endpoint, region) };
}

export async function runReport(argv: Record<string, unknown>, extras: ReportExtras = {}): Promise<void> {
  const files = ((argv.files as unknown[]) ?? []).map(String);
  const out = argv.out === undefined ? undefined : String(argv.out);
  const html = argv.html === undefined ? undefined : String(argv.html);
  const runId = argv.runId === undefined ? undefined : String(argv.runId);
  checkWritable(out);
  checkWritable(html, '--html');
  if (isS3Url(out)) parseS3Url(out, '--out');
  const thresholds = parseThresholds(argv.threshold);
  const { endpoint, region, conn } = reportConnection(argv);
  let lacking = extras.lacking;
  if (argv.wait) lacking = await waitForRun(files, runId, conn(), argv);
  const { results, bursts, repeated } = await readResults(files, { stdin: () => readFileSync(0, 'utf8'), runId, s3: conn });
  if (repeated) process.stderr.write(`sqs-blast: ${repeated} result${repeated > 1 ? 's' : ''} found more than once (the same log or object given twice) counted once\n`);
  if (bursts.length) {
    if (results.length) throw new UsageError('report: burst documents and send/drain/run results cannot be merged together; report each kind on its own');
    process.exitCode = await reportBursts(bursts, { out, html, json: Boolean(argv.json), resultLine: false, thresholds }, await openStore(out, endpoint, region));
    return;
  }
  const jobUids = ((argv.jobUid as unknown[]) ?? []).flatMap((u) => String(u).split(',')).filter(Boolean);
  const merged = mergeResults(results, { jobUids });
  // A merge short of shards is no verdict on the run: incomplete (exit 1), and it says which.
  if (lacking) merged.coverage?.warnings.push(`no final result yet for ${lacking}: the report is what the ledger held`);
  if (extras.interrupted) merged.interrupted = extras.interrupted;
  for (const w of merged.coverage?.warnings ?? []) process.stderr.write(`sqs-blast: warning: ${w}\n`);
  const store = await openStore(out, endpoint, region);
  const output = { out, html, json: Boolean(argv.json), quiet: true, progressIntervalMs: 0, depthIntervalMs: 0, resultLine: Boolean(argv.resultLine) };
  const judged = judgeResult(merged, thresholds);
  const verdict = extras.interrupted ? (extras.interrupted === 'SIGINT' ? EXIT.sigint : EXIT.sigterm) : lacking ? EXIT.incomplete : judged;
  process.exitCode = await emit(merged, output, verdict, store);
}

/**
 * report --wait: poll the run's ledger until every shard of every kind present has a final
 * latest attempt (ledger/completeness.ts), for `kubectl apply` and GitOps users. Returns the
 * shards still lacking when --timeout ended the wait.
 */
async function waitForRun(files: string[], runId: string | undefined, conn: S3Connection, argv: Record<string, unknown>): Promise<string | undefined> {
  const url = files.length === 1 && isS3Url(files[0]) ? files[0] : undefined;
  if (!url) throw new UsageError('report --wait polls one s3://bucket/prefix/ location: give exactly one, e.g. report s3://my-results/runs/ --run-id ID --wait');
  if (!runId) throw new UsageError('report --wait needs --run-id: the location may hold many runs, and the wait is for one of them');
  const timeoutS = positiveFlag(argv, 'timeout', 'give the seconds to wait for the last shard, e.g. --timeout 3600') ?? WAIT_DEFAULTS.timeoutS;
  const intervalS = positiveFlag(argv, 'pollInterval', 'give the seconds between looks at the ledger, e.g. --poll-interval 5') ?? WAIT_DEFAULTS.pollIntervalS;
  const { ResultStore } = await import('./report/s3.js');
  
  const store = ResultStore.reader(url, conn);
  const reader = new LedgerReader(store, runId, 'report');
  try {
    const { state, reason } = await waitForLedger({
      poll: async () => ledgerState(await reader.read()),
      intervalMs: intervalS * 1000,
      timeoutMs: timeoutS * 1000,
      onPoll: (s) => void process.stderr.write(`sqs-blast: waiting for run ${runId}: ${ledgerProgress(s)}\n`),
    });
    if (reason === 'complete') return undefined;
    if (!state.expected) throw new UsageError(`report --wait: no result of run ${runId} appeared in ${url} within --timeout ${timeoutS} s; check the location and --run-id`);
    process.stderr.write(`sqs-blast: report --wait: --timeout ${timeoutS} s passed before every shard had a final result\n`);
    return lackingText(state.lacking);
  } finally {
    store.close();
  }
}
