#!/usr/bin/env -S node --v8-pool-size=1
/**
 * The command line: commands, flags and help, nothing else. Every flag also reads from the
 * environment as SQS_BLAST_<FLAG> (pods are configured that way); validation lives in config.ts.
 *
 * The shebang's --v8-pool-size=1: V8's four background threads (GC helpers, compilers) fought
 * the load's own threads for small machines' cores; with one, a 100k drain used 11% less CPU
 * (6 of 6 paired runs on 2 cores) and a send ~8% less. The Dockerfile and the bench use the same flags.
 */
import yargs, { type Argv, type Options } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createOptions, createQueues, deleteQueues, purgeQueues, watchStats } from './admin.js';
import { DEFAULTS, positiveArg, resolveConfig, type CommandName } from './config.js';
import { table } from './report/summary.js';
import { checkCredentials, createSqsClient, endpointOf } from './sqs/client.js';
import { setupError } from './sqs/queues.js';
import { EXIT, UsageError } from './errors.js';
import { startEmbeddedServer } from './local.js';
import { k8sBuilder, runK8s } from './k8s/command.js';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runReport } from './report/command.js';
import { mergeResults } from './report/merge.js';
import { compareResults, evaluateCompare, parseCompareThreshold, renderComparison } from './report/compare.js';
import { writeCompareHtml } from './report/html-compare.js';
import { checkWritable, emit, openStore } from './report/output.js';
import { readResults } from './report/sources.js';
import { conclude, metricTable } from './report/thresholds.js';
import { execute, FINISH_GRACE_MS } from './runner.js';
import type { Result } from './report/result.js';

const EXIT_CODES = `Exit codes:
  0    done: nothing failed, nothing missing
  1    finished, but messages failed, went missing, or sit in a dead-letter queue
  2    bad input or configuration (nothing was sent)
  99   a threshold failed
  130  interrupted by SIGINT, 143 by SIGTERM (the report is still printed)

Every flag can be set in the environment as SQS_BLAST_<FLAG>, e.g. SQS_BLAST_TOTAL=50000,
SQS_BLAST_QUEUE_PREFIX=load. AWS_ENDPOINT_URL_SQS, AWS_REGION and the AWS credential chain
(AWS_PROFILE, env keys, IRSA, EKS Pod Identity) are honoured.`;

const THRESHOLD_METRICS = (() => {
  const rows = metricTable();
  const width = Math.max(...rows.map(([m]) => m.length));
  return `Threshold metrics (--threshold METRIC OP VALUE):\n${rows.map(([m, doc]) => `  ${m.padEnd(width)}  ${doc}`).join('\n')}`;
})();
const EPILOG = `${THRESHOLD_METRICS}\n\n${EXIT_CODES}`;

type OptionMap = Record<string, Options>;

const connection: OptionMap = {
  local: { type: 'boolean', group: 'Target:', describe: 'Start an embedded SQS server in-process, create the queues, and use it (no AWS account needed)' },
  endpoint: { type: 'string', group: 'Target:', describe: 'SQS endpoint URL (default: AWS_ENDPOINT_URL_SQS, else AWS for --region)' },
  region: { type: 'string', group: 'Target:', describe: 'AWS region', defaultDescription: 'AWS_REGION or us-east-1' },
  queues: { type: 'number', group: 'Target:', describe: 'Number of queues, named <prefix>-1 … <prefix>-N', defaultDescription: String(DEFAULTS.queues) },
  'queue-prefix': { type: 'string', group: 'Target:', describe: 'Queue name prefix', defaultDescription: DEFAULTS.queuePrefix },
  'queue-url': { type: 'string', array: true, group: 'Target:', describe: 'Queue URL (repeatable; instead of --queues/--queue-prefix)' },
  'create-queues': { type: 'boolean', group: 'Target:', describe: 'Create queues that do not exist' },
  fifo: { type: 'boolean', group: 'Target:', describe: 'FIFO queues: names end in .fifo; send sets MessageGroupId/MessageDeduplicationId, drain checks order' },
};

const common: OptionMap = {
  workers: { type: 'number', group: 'Load:', describe: 'Worker threads', defaultDescription: 'cores - 1 (at least 1)' },
  'request-timeout': { type: 'number', group: 'Load:', describe: 'Seconds before a call is abandoned and retried (long polls add their wait)', defaultDescription: String(DEFAULTS.requestTimeout) },
  'max-retries': { type: 'number', group: 'Load:', describe: 'Retries per batch before its messages count as failed', defaultDescription: String(DEFAULTS.maxRetries) },
  grace: { type: 'number', group: 'Load:', describe: 'Seconds in-flight calls get to finish after SIGINT/SIGTERM', defaultDescription: String(DEFAULTS.grace) },
  'give-up-after': {
    type: 'number',
    group: 'Load:',
    describe: 'Stop (exit 1) when calls keep failing and none succeeded for this many seconds',
    defaultDescription: String(DEFAULTS.giveUpAfter),
  },
  'run-id': { type: 'string', group: 'Shards:', describe: 'Id shared by all shards of one run (required with --shards > 1)', defaultDescription: 'JOB_UID, else random' },
  shard: { type: 'number', group: 'Shards:', describe: 'This process’s shard index', defaultDescription: 'JOB_COMPLETION_INDEX or 0' },
  shards: { type: 'number', group: 'Shards:', describe: 'Number of shards (pods) in the run', defaultDescription: '1' },
  out: {
    type: 'string',
    group: 'Output:',
    describe: 'Write the JSON result to this file, or to S3: s3://bucket/prefix/ (one object per process under <run id>/; the bucket is checked before the run)',
  },
  json: { type: 'boolean', group: 'Output:', describe: 'Print the JSON result on stdout (the summary goes to stderr)' },
  quiet: { type: 'boolean', group: 'Output:', describe: 'No live progress (the summary is still printed)' },
  'progress-interval': { type: 'number', group: 'Output:', describe: 'Seconds between status lines when not on a terminal', defaultDescription: String(DEFAULTS.progressInterval) },
  html: { type: 'string', group: 'Output:', describe: 'Write a self-contained HTML report (charts, percentiles, thresholds) to this file' },
  'depth-interval': { type: 'number', group: 'Output:', describe: 'Seconds between queue-depth samples for the timeline (0: none)', defaultDescription: '5' },
  'result-line': {
    type: 'boolean',
    group: 'Output:',
    describe: 'Print the result at the end as SQS_BLAST_RESULT_CHUNK lines (~8 KiB each, safe for log pipelines) for `sqs-blast report -`',
    defaultDescription: 'when stdout is not a terminal',
  },
  threshold: {
    type: 'string',
    array: true,
    group: 'Output:',
    describe: "Pass/fail gate, repeatable: 'p99<250ms', 'e2e.p99<2s', 'throughput>=10000', 'error_rate<0.1%', 'missing==0'; a failure exits 99",
  },
  'price-per-million': {
    type: 'number',
    group: 'Output:',
    describe: 'USD per million billed requests for the cost estimate',
    defaultDescription: '0.40 standard, 0.50 FIFO (us-east-1 list)',
  },
  gate: {
    type: 'boolean',
    group: 'Output:',
    describe: 'Exit 1/99 on this process’s own verdict; --no-gate exits 0 and leaves judging to `sqs-blast report` (pods of a sharded Job)',
    defaultDescription: 'true',
  },
  'verify-md5': { type: 'boolean', group: 'Load:', describe: 'Check the MD5 SQS returns for every message sent (costs client CPU)' },
};

const sendOptions: OptionMap = {
  total: { type: 'number', group: 'Send:', describe: 'Messages to send (split across --shards)', defaultDescription: `${DEFAULTS.total} unless --duration` },
  duration: { type: 'number', group: 'Send:', describe: 'Stop after this many seconds (with --total: whichever comes first)' },
  'batch-size': { type: 'number', group: 'Send:', describe: 'Messages per SendMessageBatch, 1-10', defaultDescription: String(DEFAULTS.batchSize) },
  'message-size': { type: 'number', group: 'Send:', describe: 'Body size in bytes (padded JSON), up to 1048576', defaultDescription: String(DEFAULTS.messageSize) },
  concurrency: { type: 'number', group: 'Send:', describe: 'SendMessageBatch calls in flight (spread over --workers)', defaultDescription: String(DEFAULTS.sendConcurrency) },
  groups: { type: 'number', group: 'Send:', describe: 'FIFO message groups (each sent in order by one lane)', defaultDescription: 'the concurrency' },
  rate: { type: 'number', group: 'Send:', describe: 'Target msg/s (open model: latency counts from each batch’s intended start)' },
};

const drainOptions = (run: boolean): OptionMap => ({
  expect: { type: 'number', group: 'Drain:', describe: 'Stop after receiving this many messages; fewer is reported as missing' },
  'idle-timeout': { type: 'number', group: 'Drain:', describe: 'Stop when no message arrived for this many seconds (counted from the first message)', defaultDescription: String(DEFAULTS.idleTimeout) },
  ...(run
    ? {}
    : ({
        'start-timeout': {
          type: 'number',
          group: 'Drain:',
          describe: 'Seconds to wait for the first message before stopping (a drain pod may start before its producers)',
          defaultDescription: 'the idle timeout',
        },
      } as OptionMap)),
  ...(run ? {} : { duration: { type: 'number', group: 'Drain:', describe: 'Stop after this many seconds' } as Options }),
  'max-messages': { type: 'number', group: 'Drain:', describe: 'Messages per ReceiveMessage, 1-10', defaultDescription: String(DEFAULTS.maxMessages) },
  'wait-time': { type: 'number', group: 'Drain:', describe: `Long-poll seconds, 0-20 (after a signal polls in flight may finish; once the drain is done they are cut after ${FINISH_GRACE_MS / 1000} s)`, defaultDescription: String(run ? DEFAULTS.runWaitTime : DEFAULTS.waitTime) },
  'visibility-timeout': { type: 'number', group: 'Drain:', describe: 'Seconds a received message stays invisible', defaultDescription: 'the queue’s' },
  [run ? 'drain-concurrency' : 'concurrency']: { type: 'number', group: 'Drain:', describe: 'Pollers per queue', defaultDescription: String(DEFAULTS.drainConcurrency) },
  ...(run
    ? ({
        'max-backlog': {
          type: 'number',
          group: 'Drain:',
          describe: 'Senders wait while this many messages are sent but not yet received (0: no cap); keeps a local server’s memory bounded',
          defaultDescription: String(DEFAULTS.maxBacklog),
        },
      } as OptionMap)
    : {}),
  ...(run ? { 'drain-workers': { type: 'number', group: 'Drain:', describe: 'Worker threads for the drain side', defaultDescription: 'cores - 1' } as Options } : {}),
  'dlq-url': { type: 'string', group: 'Drain:', describe: 'Dead-letter queue to check at the end', defaultDescription: 'from the RedrivePolicy' },
  'only-run-id': { type: 'string', group: 'Drain:', describe: 'Check integrity for this run id only (others count as foreign)' },
});

const queueAdminOptions: OptionMap = {
  'content-dedup': { type: 'boolean', group: 'Create:', describe: 'FIFO: content-based deduplication' },
  'high-throughput': { type: 'boolean', group: 'Create:', describe: 'FIFO: high-throughput mode (per-group dedup scope and throughput limit)' },
  dlq: { type: 'boolean', group: 'Create:', describe: 'Also create <name>-dlq and a RedrivePolicy to it (delete: remove the DLQs too)' },
  'max-receive-count': { type: 'number', group: 'Create:', describe: 'Receives before a message moves to the DLQ', defaultDescription: '5' },
  'visibility-timeout': { type: 'number', group: 'Create:', describe: 'Seconds a received message stays invisible' },
  retention: { type: 'number', group: 'Create:', describe: 'Seconds SQS keeps a message (60-1209600)' },
  'max-message-size': { type: 'number', group: 'Create:', describe: 'Largest message in bytes, set explicitly', defaultDescription: '1048576' },
  yes: { type: 'boolean', group: 'Purge/delete:', describe: 'Do not ask for confirmation' },
  watch: { type: 'number', group: 'Stats:', describe: 'Sample again every this many seconds until Ctrl-C' },
  json: { type: 'boolean', group: 'Stats:', describe: 'One JSON line per sample' },
};

const reportOptions: OptionMap = {
  'run-id': { type: 'string', group: 'Input:', describe: 'Only results of this run id (for s3://: only objects under <prefix><run id>/)' },
  endpoint: {
    type: 'string',
    group: 'Input:',
    describe: 'Endpoint whose S3 holds s3:// results, for local emulators (default: AWS_ENDPOINT_URL_S3, else a non-AWS AWS_ENDPOINT_URL_SQS, else AWS)',
  },
  region: { type: 'string', group: 'Input:', describe: 'AWS region of the S3 client', defaultDescription: 'AWS_REGION or us-east-1' },
  out: common.out,
  json: common.json,
  threshold: common.threshold,
  html: common.html,
  'result-line': { ...common['result-line'], defaultDescription: 'false' },
};
const compareOptions: OptionMap = {
  threshold: {
    ...common.threshold,
    describe: "Gate, repeatable: a signed % is a change against base ('p99<+10%', 'throughput>-5%'); otherwise on new alone ('p99<250ms'); a failure exits 99",
  },
  json: { type: 'boolean', describe: 'Print the comparison as JSON on stdout (the table goes to stderr)' },
  html: { type: 'string', describe: 'Write both runs on the same charts (HDR percentile curves, msg/s) to this file' },
};
const localOptions: OptionMap = { port: { type: 'number', describe: 'Port to listen on (0: any free port)', defaultDescription: '4566' } };
const { local: _local, 'create-queues': _create, ...queuesTarget } = connection;

type EnvCommand = CommandName | 'report' | 'compare' | 'local' | 'queues';
const COMMAND_OPTIONS: Record<EnvCommand, OptionMap> = {
  send: { ...connection, ...sendOptions, ...common },
  drain: { ...connection, ...drainOptions(false), ...common },
  run: { ...connection, ...sendOptions, ...drainOptions(true), ...common },
  report: reportOptions,
  compare: compareOptions,
  local: localOptions,
  queues: { ...queuesTarget, ...queueAdminOptions },
};
const ALL_OPTIONS: OptionMap = Object.assign({}, ...Object.values(COMMAND_OPTIONS));
/** Variables of the SQS_BLAST_ family that are not flags. */
const ENV_NOT_FLAGS = new Set(['SQS_BLAST_DEBUG']);

const envName = (flag: string) => 'SQS_BLAST_' + flag.replace(/-/g, '_').toUpperCase();
const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * SQS_BLAST_<FLAG> fills any flag not given on the command line. One environment serves every
 * command (a pod's ConfigMap is shared by send and drain), so a variable that is some other
 * command's flag is ignored, while one that is nobody's flag is a typo worth an error.
 */
export function envArgs(command: EnvCommand, argv: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const known = new Set(Object.keys(ALL_OPTIONS).map(envName));
  for (const name of Object.keys(env)) {
    if (name.startsWith('SQS_BLAST_') && !known.has(name) && !ENV_NOT_FLAGS.has(name)) {
      throw new UsageError(`${name} is not a sqs-blast setting; see 'sqs-blast ${command} --help' for the flags (SQS_BLAST_<FLAG>)`);
    }
  }
  const out = { ...argv };
  for (const [flag, opt] of Object.entries(COMMAND_OPTIONS[command])) {
    const raw = env[envName(flag)];
    const key = camel(flag);
    if (raw === undefined || raw === '' || out[key] !== undefined) continue;
    out[key] = opt.type === 'number' ? Number(raw) : opt.type === 'boolean' ? envBool(envName(flag), raw) : opt.array ? raw.split(/[,\s]+/).filter(Boolean) : raw;
  }
  return out;
}

function envBool(name: string, raw: string): boolean {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new UsageError(`${name} must be true or false (got ${JSON.stringify(raw)})`);
}

async function runLoad(command: CommandName, argv: Record<string, unknown>): Promise<void> {
  const config = resolveConfig(command, envArgs(command, argv));
  checkWritable(config.output.out);
  checkWritable(config.output.html, '--html');
  const store = await openStore(config.output.out, config.connection.endpoint, config.connection.region);
  const result = await execute(config).catch((e: unknown) => {
    store?.close();
    throw e;
  });
  const code = await emit(result, config.output, conclude(result, config.thresholds), store);
  // The result keeps its verdict either way; only the process exit leaves it to the merge.
  const verdictOnly = code === EXIT.incomplete || code === EXIT.threshold;
  if (!config.gate && verdictOnly) process.stderr.write(`sqs-blast: --no-gate: exit 0; the verdict (exit ${code}) is in the result, for sqs-blast report to judge\n`);
  process.exitCode = !config.gate && verdictOnly ? EXIT.ok : code;
}

/** report reads SQS_BLAST_<FLAG> like the other commands; the handler lives in report/command.ts. */
async function runReportCommand(cliArgs: Record<string, unknown>): Promise<void> {
  await runReport(envArgs('report', cliArgs));
}

/** One side of a comparison: a result file, or several results (pods, logs) merged into one. */
async function loadSide(source: string): Promise<Result> {
  const { results } = await readResults([source], { stdin: () => readFileSync(0, 'utf8') });
  return results.length === 1 ? results[0] : mergeResults(results);
}

async function runCompare(cliArgs: Record<string, unknown>): Promise<void> {
  const argv = envArgs('compare', cliArgs);
  const html = argv.html === undefined ? undefined : String(argv.html);
  checkWritable(html, '--html');
  const thresholds = (((argv.threshold as unknown[]) ?? []).flatMap((e) => String(e).split(/\s*;\s*/)).filter(Boolean)).map(parseCompareThreshold);
  const base = await loadSide(String(argv.base));
  const next = await loadSide(String(argv.new));
  const figures = compareResults(base, next);
  const outcomes = evaluateCompare(base, next, thresholds);
  const code = outcomes.every((o) => o.ok) ? EXIT.ok : EXIT.threshold;
  const text = renderComparison(base, next, figures, outcomes);
  if (argv.json) {
    process.stderr.write(text + '\n');
    process.stdout.write(JSON.stringify({ base: { runId: base.runId, kind: base.kind }, new: { runId: next.runId, kind: next.kind }, figures, thresholds: outcomes, exitCode: code }) + '\n');
  } else process.stdout.write(text + '\n');
  if (html) writeCompareHtml(html, base, next, figures, outcomes);
  process.exitCode = code;
}

async function runQueues(action: string, cliArgs: Record<string, unknown>): Promise<void> {
  const argv = envArgs('queues', cliArgs);
  const config = resolveConfig('queues', argv);
  const endpoint = endpointOf(config.connection);
  if (!config.connection.staticCredentials) await checkCredentials(config.connection);
  const client = createSqsClient(config.connection);
  try {
    let rows: string[][] | undefined;
    if (action === 'create') rows = await createQueues(client, { ...config, queues: { ...config.queues } }, createOptions(argv));
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

async function runLocal(cliArgs: Record<string, unknown>): Promise<void> {
  const argv = envArgs('local', cliArgs);
  const port = argv.port === undefined ? 4566 : argv.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535 (got ${JSON.stringify(port)})`);
  }
  const server = await startEmbeddedServer(port);
  process.stdout.write(`sqs-blast local: SQS endpoint ${server.endpoint}  (Ctrl-C to stop)\n`);
  process.stdout.write(`  e.g. sqs-blast send --endpoint ${server.endpoint} --queues 4 --create-queues --total 100000\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop();
}

function loadCommand(y: Argv, options: OptionMap[], examples: Array<[string, string]>): Argv {
  for (const o of options) y = y.options(o);
  for (const [cmd, text] of examples) y = y.example(cmd, text);
  return y.epilog(EPILOG);
}

export interface Handlers {
  load(command: CommandName, argv: Record<string, unknown>): Promise<void>;
  report(argv: Record<string, unknown>): Promise<void>;
  local(argv: Record<string, unknown>): Promise<void>;
  queues?(action: string, argv: Record<string, unknown>): Promise<void>;
  compare?(argv: Record<string, unknown>): Promise<void>;
  k8s?(argv: Record<string, unknown>): Promise<void>;
}

const RUN: Handlers = { load: runLoad, report: runReportCommand, local: runLocal, queues: runQueues, compare: runCompare };

interface UsageInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * After starting any command's handler yargs renders its whole help text and keeps it, in case
 * the handler fails and the help should be shown: ~0.1 s of CPU on every run, an eighth of a
 * pod's startup. Our failures are one line without help, so the rendering is switched off.
 */
function skipHelpCache(cli: Argv): Argv {
  const usage = (cli as unknown as UsageInternals).getInternalMethods?.().getUsageInstance?.();
  if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => {};
  return cli;
}

/** The whole command line; tests pass their own handlers to see what a command would get. */
export function buildCli(args: string[], handlers: Handlers = RUN): Argv {
  return skipHelpCache(yargs(args))
    .scriptName('sqs-blast')
    .usage('$0 <command> [options]\n\nLoad-test Amazon SQS (or anything that speaks its API) and tell the truth about it.')
    .command(
      'send',
      'Send messages as fast as allowed (or at --rate) with SendMessageBatch',
      (y) =>
        loadCommand(y, [connection, sendOptions, common], [
          ['$0 send --local --total 1000000 --queues 4', 'A million 10 KB messages against the embedded server'],
          ['$0 send --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/load --rate 2000 --duration 60', 'A paced minute against real SQS'],
        ]),
      (argv) => handlers.load('send', argv),
    )
    .command(
      'drain',
      'Receive and delete until the queues are empty (or --expect / --duration), proving what arrived',
      (y) =>
        loadCommand(y, [connection, drainOptions(false), common], [
          ['$0 drain --queues 4 --queue-prefix load --expect 1000000', 'Drain four queues and prove a million arrived'],
        ]),
      (argv) => handlers.load('drain', argv),
    )
    .command(
      'run',
      'Send and drain at the same time: both sides, end-to-end latency, and the integrity verdict',
      (y) =>
        loadCommand(y, [connection, sendOptions, drainOptions(true), common], [
          ['$0 run --local --total 1000000 --queues 4', 'The whole pipeline on this machine, no AWS account needed'],
        ]),
      (argv) => handlers.load('run', argv),
    )
    .command(
      'report [files..]',
      'Merge results from many processes or pods (JSON files, s3:// locations, or logs with result lines on stdin as -) into one exact report',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, describe: 'Result files from --out, s3://bucket/prefix/, log files, or - for stdin' })
          .options(reportOptions)
          .example('kubectl logs -l job-name=sqs-blast-drain --tail=-1 | $0 report -', 'One report for all pods of a Job')
          .example('$0 report send-*.json drain-*.json --out merged.json', 'Merge result files')
          .example('$0 report s3://my-results/sqs-blast/ --run-id k3f9q2ab', 'Merge every result of one run stored with --out s3://')
          .epilog(EPILOG),
      // yargs drops a lone "-" (stdin) from positionals; put it back where it stood.
      (argv) => handlers.report({ ...argv, files: args.filter((a, i) => a === '-' || (i > 0 && ((argv.files as string[]) ?? []).includes(a))) }),
    )
    .command(
      'compare <base> <new>',
      'Compare two results (files from --out, merged reports, or logs): each figure side by side with its change, better or worse',
      (y) =>
        y
          .positional('base', { type: 'string', describe: 'The reference result' })
          .positional('new', { type: 'string', describe: 'The result to judge against it' })
          .options(compareOptions)
          .example("$0 compare base.json new.json --threshold 'p99<+10%' --threshold 'throughput>-5%'", 'Fail CI on a p99 regression over 10% or a throughput drop over 5%')
          .epilog(EPILOG),
      (argv) => (handlers.compare ?? runCompare)(argv),
    )
    .command(
      'queues <action>',
      'Create (standard, FIFO, with a DLQ), purge, delete, or watch the selected queues',
      (y) => {
        y = y.positional('action', { choices: ['create', 'purge', 'delete', 'stats'] as const, describe: 'what to do' });
        return y
          .options(queuesTarget)
          .options(queueAdminOptions)
          .example('$0 queues create --endpoint http://127.0.0.1:4566 --queues 4 --fifo --dlq', 'load-1.fifo … with DLQs')
          .example('$0 queues stats --queues 4 --watch 5', 'Depth of each queue and its DLQ every 5 s')
          .example('$0 queues delete --queues 4 --dlq --yes', 'Remove them again');
      },
      (argv) => (handlers.queues ?? runQueues)(String(argv.action), argv),
    )
    .command(
      'local',
      'Run the embedded SQS server until Ctrl-C, so separate send and drain processes can share it',
      (y) => y.options(localOptions),
      (argv) => handlers.local(argv),
    )
    .command(
      'k8s <action>',
      'Print the Kubernetes manifests of one run (sqs-blast k8s manifests … | kubectl apply -f -)',
      k8sBuilder,
      (argv) => (handlers.k8s ?? runK8s)(argv),
    )
    .demandCommand(1, 'name a command: send, drain, run, report, compare, queues, local or k8s')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs' own messages can span lines; the contract is one line.
      throw err ?? new UsageError(`${msg.replace(/\s*\n\s*/g, ' ')}; see 'sqs-blast --help'`);
    });
}

export async function main(): Promise<void> {
  // The SDK version is pinned in package-lock.json; its notice about future releases is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    await buildCli(hideBin(process.argv)).parseAsync();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`sqs-blast: ${e.message}\n`);
      process.exitCode = EXIT.usage;
    } else {
      const err = e as Error;
      process.stderr.write(`sqs-blast: ${err.name}: ${err.message}\n`);
      if (process.env.SQS_BLAST_DEBUG) process.stderr.write(`${err.stack}\n`);
      process.exitCode = EXIT.incomplete;
    }
  }
}

// Run when executed (directly, or through the npm bin symlink), not when imported by tests.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
