/** What each command does once its flags are parsed: load, report, compare, queues, local. */
import { readFileSync } from 'node:fs';
import { createOptions, createQueues, createTopicQueues, deleteQueues, purgeQueues, topicOptions, watchStats } from '../admin.js';
import { positiveArg, resolveConfig, type CommandName } from '../config.js';
import { EXIT, UsageError } from '../errors.js';
import { startEmbeddedServer } from '../local.js';
import { reportConnection, runReport } from '../report.js';
import { compareResults, evaluateCompare, parseCompareThreshold, renderComparison } from '../report/compare.js';
import { renderCompareHtml } from '../report/html-compare.js';
import { mergeResults } from '../report/merge.js';
import { emit } from '../report/output.js';
import type { Result } from '../result/document.js';
import { isS3Url, parseS3Url } from '../config/s3-location.js';
import { checkWritable, deliver, openStore } from '../report/sink.js';
import { readResults } from '../report/sources.js';
import { table } from '../report/summary.js';
import { judgeResult } from '../report/thresholds.js';
import { execute } from '../runner.js';
import { checkCredentials, createSetupClient, endpointOf } from '../sqs/client.js';
import { setupError } from '../sqs/queues.js';
import { resolveEndpoint } from '../sqs/endpoint-rules.js';
import { envArgs } from '../config/flags.js';
import { markShardDone } from '../ledger/markers.js';
import { observeSend, resolveObserve } from '../burst/observe-send.js';
import type { ConsumerFeed } from '../observe/consumer-feed.js';

export async function runLoad(command: CommandName, argv: Record<string, unknown>): Promise<void> {
  const args = envArgs(command, argv);
  const config = resolveConfig(command, args);
  const observe = command === 'send' ? resolveObserve(args) : null;
  checkWritable(config.output.out);
  checkWritable(config.output.html, '--html');
  const store = await openStore(config.output.out, config.connection.endpoint, config.connection.region);
  const load = (consumers?: ConsumerFeed) => execute(config, { store, consumers });
  const result = await (observe ? observeSend(args, observe.settleMs, load) : load()).catch((e: unknown) => {
    store?.close();
    throw e;
  });
  // A send shard that ran to its end says so in the ledger once its result is stored: drains
  // end on these markers (ledger/run-watch.ts), not on silence.
  const done = store && config.output.ledger && config.send && !result.interrupted && !result.abandoned ? { store, attempt: config.output.ledger.attempt } : undefined;
  const code = await emit(result, config.output, judgeResult(result, config.thresholds), store, done && (() => markShardDone(done.store, result.runId, result.shard, done.attempt)));
  // The result keeps its verdict either way; only the process exit leaves it to the merge.
  const verdictOnly = code === EXIT.incomplete || code === EXIT.threshold;
  if (!config.gate && verdictOnly) process.stderr.write(`sqs-blast: --no-gate: exit 0; the verdict (exit ${code}) is in the result, for sqs-blast report to judge\n`);
  process.exitCode = !config.gate && verdictOnly ? EXIT.ok : code;
}

/** report reads SQS_BLAST_<FLAG> like the other commands; the handler lives in report.ts. */
export async function runReportCommand(cliArgs: Record<string, unknown>): Promise<void> {
  await runReport(envArgs('report', cliArgs));
}

/** One side of a comparison: a result file, or several results (pods, logs) merged into one. */
async function loadSide(source: string): Promise<Result> {
  const { results } = await readResults([source], { stdin: () => readFileSync(0, 'utf8') });
  if (!results.length) throw new UsageError(`compare: ${source} holds burst documents, not results; judge a burst with sqs-blast report`);
  return results.length === 1 ? results[0] : mergeResults(results);
}

export async function runCompare(cliArgs: Record<string, unknown>): Promise<void> {
  const argv = envArgs('compare', cliArgs);
  const html = argv.html === undefined ? undefined : String(argv.html);
  const out = argv.out === undefined ? undefined : String(argv.out);
  checkWritable(out);
  checkWritable(html, '--html');
  if (isS3Url(out)) parseS3Url(out, '--out');
  const thresholds = (((argv.threshold as unknown[]) ?? []).flatMap((e) => String(e).split(/\s*;\s*/)).filter(Boolean)).map(parseCompareThreshold);
  const base = await loadSide(String(argv.base));
  const next = await loadSide(String(argv.new));
  const figures = compareResults(base, next);
  const outcomes = evaluateCompare(base, next, thresholds);
  const code = outcomes.every((o) => o.ok) ? EXIT.ok : EXIT.threshold;
  const { endpoint, region } = reportConnection(argv);
  const store = await openStore(out, endpoint, region);
  process.exitCode = await deliver(
    {
      doc: { base: { runId: base.runId, kind: base.kind }, new: { runId: next.runId, kind: next.kind }, figures, thresholds: outcomes, exitCode: code },
      noun: 'comparison',
      key: { kind: 'compare', runId: next.runIds?.join(',') ?? next.runId, shard: 0, shards: 1, startedAt: Date.now() },
      // Not a result: report does not read comparisons back.
      lines: false,
      text: (_exit, stored) => renderComparison(base, next, figures, outcomes, stored),
      html: () => renderCompareHtml(base, next, figures, outcomes),
    },
    { out, html, json: Boolean(argv.json), resultLine: false },
    code,
    store,
  );
}

export async function runQueues(action: string, cliArgs: Record<string, unknown>): Promise<void> {
  const argv = envArgs('queues', cliArgs);
  const topic = action === 'create' ? topicOptions(argv) : undefined;
  // --subscribe N: N queues, each subscribed to the topic.
  if (topic && argv.subscribe !== undefined) argv.queues = argv.subscribe;
  const config = resolveConfig('queues', argv);
  await resolveEndpoint(config.connection, config.queues.urls?.[0]);
  const endpoint = endpointOf(config.connection);
  if (!config.connection.staticCredentials) await checkCredentials(config.connection);
  const client = createSetupClient(config.connection);
  try {
    let rows: string[][] | undefined;
    if (action === 'create' && topic) rows = await createTopicQueues(client, config, createOptions(argv), topic);
    else if (action === 'create') rows = await createQueues(client, { ...config, queues: { ...config.queues } }, createOptions(argv));
    else if (action === 'purge') rows = await purgeQueues(client, config, Boolean(argv.yes));
    else if (action === 'delete') rows = await deleteQueues(client, config, Boolean(argv.yes), Boolean(argv.dlq));
    else {
      const watch = argv.watch === undefined ? undefined : positiveArg(argv, 'watch', 'give seconds between samples, e.g. --watch 5');
      await watchStats(client, config, watch, Boolean(argv.json));
    }
    if (rows) process.stdout.write(table(rows, rows[0].map(() => 'l')).join('\n') + '\n');
  } catch (e) {
    throw setupError(e, endpoint, `running queues ${action}`);
  } finally {
    client.destroy();
  }
}

export async function runLocal(cliArgs: Record<string, unknown>): Promise<void> {
  const argv = envArgs('local', cliArgs);
  const port = argv.port === undefined ? 4566 : argv.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535 (got ${JSON.stringify(port)})`);
  }
  const server = await startEmbeddedServer(port);
  // Listening before the endpoint is printed: whoever reads it may stop us at once, and a signal
  // with no listener yet would kill the process instead of stopping the server.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write(`sqs-blast local: SQS endpoint ${server.endpoint}  (Ctrl-C to stop)\n`);
  process.stdout.write(`  e.g. sqs-blast send --endpoint ${server.endpoint} --queues 4 --create-queues --total 100000\n`);
  await stopped;
  await server.stop();
}
