/**
 * Every flag of every command, defined once: yargs builds the help from these maps (cli/), and the
 * same maps say which SQS_BLAST_<FLAG> variables a command reads (pods are configured that way:
 * k8s/extra-env.ts checks a pod's variables with them). Pure data, below the commands, so any room
 * may read it.
 */
import type { Options } from 'yargs';
import type { CommandName } from '../config.js';
import { BURST_DEFAULTS, DEFAULTS, FINISH_GRACE_MS, WAIT_DEFAULTS } from './defaults.js';
import { UsageError } from '../errors.js';
import { boolText } from './args.js';

export type OptionMap = Record<string, Options>;

export const connection: OptionMap = {
  local: { type: 'boolean', group: 'Target:', describe: 'Start an embedded SQS server in-process, create the queues, and use it (no AWS account needed)' },
  endpoint: { type: 'string', group: 'Target:', describe: 'SQS endpoint URL (default: where the SQS client sends: a queue URL\'s host, AWS_ENDPOINT_URL_SQS, a profile\'s endpoint_url, else AWS for --region)' },
  region: { type: 'string', group: 'Target:', describe: 'AWS region (signing; a --queue-url names its own)', defaultDescription: "the queue URL's, else AWS_REGION or us-east-1" },
  queues: { type: 'number', group: 'Target:', describe: 'Number of queues, named <prefix>-1 … <prefix>-N', defaultDescription: String(DEFAULTS.queues) },
  'queue-prefix': { type: 'string', group: 'Target:', describe: 'Queue name prefix', defaultDescription: DEFAULTS.queuePrefix },
  'queue-url': { type: 'string', array: true, group: 'Target:', describe: 'Queue URL (repeatable; instead of --queues/--queue-prefix)' },
  'create-queues': { type: 'boolean', group: 'Target:', describe: 'Create queues that do not exist' },
  wait: {
    type: 'boolean',
    group: 'Target:',
    describe:
      'Creating queues: wait out a name deleted less than 60 s ago (SQS refuses it until then, QueueDeletedRecently); --no-wait fails at once instead. New queues are always waited for until they answer (about a second)',
    defaultDescription: 'true',
  },
  fifo: { type: 'boolean', group: 'Target:', describe: 'FIFO queues: names end in .fifo; send sets MessageGroupId/MessageDeduplicationId, drain checks order' },
  'allow-foreign': {
    type: 'boolean',
    group: 'Target:',
    describe: 'Under the run’s ledger (--out s3:// and --run-id): send even when the queues hold another run’s messages (without it, exit 2; the first attempt of a run looks with a receive of visibility 0)',
  },
};

export const common: OptionMap = {
  workers: { type: 'number', group: 'Load:', describe: 'Worker threads', defaultDescription: 'usable CPUs - 1, 1 to 8 (a container CPU limit, cgroup cpu.max, counts)' },
  'request-timeout': { type: 'number', group: 'Load:', describe: 'Seconds before a call is abandoned and retried (long polls add their wait)', defaultDescription: String(DEFAULTS.requestTimeout) },
  'max-retries': { type: 'number', group: 'Load:', describe: 'Retries per batch before its messages count as failed', defaultDescription: String(DEFAULTS.maxRetries) },
  'max-connection-age': {
    type: 'number',
    group: 'Load:',
    describe: 'Seconds a keep-alive connection is reused; the next call after that opens a new one, with a fresh DNS lookup (0: keep forever)',
    defaultDescription: String(DEFAULTS.maxConnectionAge),
  },
  client: {
    type: 'string',
    group: 'Load:',
    describe:
      "What carries send's and drain's calls: lean (sqs-blast's own HTTP/1.1 client and SigV4 signer) or sdk (@aws-sdk/client-sqs with its standard retries, as a production SDK client sees SQS; more client CPU)",
    defaultDescription: 'lean',
  },
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
    describe:
      'Write the JSON result to this file, or to S3: s3://bucket/prefix/ (one object per process under <run id>/; before the run a small <prefix>.sqs-blast-probe.json is put there to prove it writable)',
  },
  json: { type: 'boolean', group: 'Output:', describe: 'Print the JSON result on stdout (the summary goes to stderr)' },
  'checkpoint-interval': {
    type: 'number',
    group: 'Output:',
    describe:
      'With --out s3:// and --run-id (the run\u2019s ledger): seconds between checkpoints of this process\u2019s mergeable state, which a killed pod leaves behind and a retried send resumes after (0: only the final result)',
    defaultDescription: String(DEFAULTS.checkpointInterval),
  },
  quiet: { type: 'boolean', group: 'Output:', describe: 'No live progress (the summary is still printed)' },
  'progress-interval': { type: 'number', group: 'Output:', describe: 'Seconds between status lines when not on a terminal', defaultDescription: String(DEFAULTS.progressInterval) },
  html: { type: 'string', group: 'Output:', describe: 'Write a self-contained HTML report (charts, percentiles, thresholds) to this file' },
  'metrics-port': { type: 'number', group: 'Observe:', describe: 'Serve Prometheus metrics at http://HOST:PORT/metrics during the run (0: any free port)' },
  'metrics-host': { type: 'string', group: 'Observe:', describe: 'Address /metrics and the dashboard listen on (0.0.0.0 in a pod)', defaultDescription: '127.0.0.1' },
  'metrics-linger': { type: 'number', group: 'Observe:', describe: 'Seconds /metrics and the dashboard stay up after the run (the last scrape sees the end)', defaultDescription: '15' },
  dashboard: { type: 'string', group: 'Observe:', describe: 'Serve a live dashboard (the HTML report, updated every second); optional PORT, else any free port' },
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

export const sendOptions: OptionMap = {
  total: { type: 'number', group: 'Send:', describe: 'Messages to send (split across --shards)', defaultDescription: `${DEFAULTS.total} unless --duration` },
  duration: { type: 'number', group: 'Send:', describe: 'Stop after this many seconds (with --total: whichever comes first)' },
  'batch-size': { type: 'number', group: 'Send:', describe: 'Messages per SendMessageBatch, 1-10', defaultDescription: String(DEFAULTS.batchSize) },
  'message-size': {
    type: 'string',
    group: 'Send:',
    describe: "Body size (padded JSON), bytes or KiB/MiB, up to 1MiB: one size '16KiB', a uniform range '1KiB-64KiB', or weights '1KiB:70,16KiB:25,256KiB:5' (batches of mixed sizes are filled by bytes, at most 1 MiB per request)",
    defaultDescription: String(DEFAULTS.messageSize),
  },
  'message-attributes': { type: 'number', group: 'Send:', describe: 'Message attributes per message, 0-10 (String and Number, counted into the message size and cost as SQS counts them)', defaultDescription: '0' },
  'body-file': { type: 'string', group: 'Send:', describe: 'Your own body from this file; {{seq}}, {{uuid}}, {{now}} are filled per message (the integrity fields travel in the sqs-blast attribute)' },
  'body-template': { type: 'string', group: 'Send:', describe: `Your own body as text, e.g. '{"order":{{seq}},"id":"{{uuid}}","at":"{{now}}"}' (as --body-file)` },
  'delay-seconds': { type: 'number', group: 'Send:', describe: 'DelaySeconds of every message, 0-900 (standard queues)', defaultDescription: '0' },
  concurrency: { type: 'number', group: 'Send:', describe: 'SendMessageBatch calls in flight (spread over --workers)', defaultDescription: String(DEFAULTS.sendConcurrency) },
  groups: { type: 'number', group: 'Send:', describe: 'FIFO message groups (each sent in order by one lane)', defaultDescription: 'the concurrency' },
  'group-pattern': { type: 'string', group: 'Send:', describe: 'FIFO: uniform (each group alike) or hot:P (P% of batches to one hot group, in order; one producer thread)', defaultDescription: 'uniform' },
  rate: { type: 'number', group: 'Send:', describe: 'Target msg/s (open model: latency counts from each batch’s intended start)' },
  stages: {
    type: 'string',
    group: 'Send:',
    describe: 'Ramping target msg/s instead of --rate, e.g. 30s:1000,2m:20000,30s:0: each stage ramps linearly from the previous target (0 at first) to its own; the run ends with the last stage',
  },
  warmup: {
    type: 'number',
    group: 'Send:',
    describe: 'Seconds of warm-up before the measured part (at --rate or the first stage’s target): its calls are sent and checked, but kept out of latency, throughput and thresholds',
    defaultDescription: '0',
  },
};

/** send only: publish to an SNS topic (README "SNS fan-out"). */
export const topicSendOptions: OptionMap = {
  'topic-arn': {
    type: 'string',
    group: 'Send:',
    describe: 'Publish to this SNS topic with PublishBatch instead of sending to queues (10 entries and 256 KiB per call); drain its subscribed queues with drain --fan-out',
  },
};

export const drainOptions = (run: boolean): OptionMap => ({
  expect: { type: 'number', group: 'Drain:', describe: 'Stop after receiving this many messages (first deliveries; with --process-time, once processed); fewer is reported as missing' },
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
  ...(run
    ? {}
    : ({
        'fan-out': {
          type: 'boolean',
          group: 'Drain:',
          describe: 'The queues are an SNS topic’s subscriptions: each must get every message, proven per subscription (missing and duplicates per queue; --expect counts messages published)',
        },
      } as OptionMap)),
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
  ...(run ? { 'drain-workers': { type: 'number', group: 'Drain:', describe: 'Worker threads for the drain side', defaultDescription: 'usable CPUs - 1' } as Options } : {}),
  'process-time': {
    type: 'string',
    group: 'Consumer:',
    describe: "Work per message before it is deleted: '50ms', 'exp:20ms' (exponential, that mean) or 'uniform:5ms-80ms' (a timer: other pollers keep going)",
  },
  delete: { type: 'string', group: 'Consumer:', describe: "batch (one DeleteMessageBatch per poll), single (one delete call per message as it is done) or none (messages come back)", defaultDescription: 'batch' },
  'extend-visibility': { type: 'boolean', group: 'Consumer:', describe: 'ChangeMessageVisibility heartbeat while messages are processed: every half --visibility-timeout, extend them by it' },
  'max-in-flight': { type: 'number', group: 'Consumer:', describe: 'Messages a drain thread holds at once (received, not yet done), like a consumer’s prefetch; at least --max-messages', defaultDescription: 'with --process-time/--delete single|none: 10 polls per poller' },
  'dlq-url': { type: 'string', group: 'Drain:', describe: 'Dead-letter queue to check at the end', defaultDescription: 'from the RedrivePolicy' },
  'only-run-id': { type: 'string', group: 'Drain:', describe: 'Check integrity for this run id only (others count as foreign)' },
});

/**
 * run only (not burst --drain, whose steps judge the drain's own pace): drain the queue a user's
 * service writes to instead of the queues sent to.
 */
export const downstreamOptions: OptionMap = {
  downstream: {
    type: 'string',
    array: true,
    group: 'Drain:',
    describe:
      'Load-test through your service: send to the queues it reads, drain QUEUE (a name or URL, repeatable), where it writes its output; our head is found wherever it put it (attribute carried over, body embedded in its JSON, SNS envelope)',
  },
};

export const queueAdminOptions: OptionMap = {
  'content-dedup': { type: 'boolean', group: 'Create:', describe: 'FIFO: content-based deduplication' },
  'high-throughput': { type: 'boolean', group: 'Create:', describe: 'FIFO: high-throughput mode (per-group dedup scope and throughput limit)' },
  dlq: { type: 'boolean', group: 'Create:', describe: 'Also create <name>-dlq and a RedrivePolicy to it (delete: remove the DLQs too)' },
  'max-receive-count': { type: 'number', group: 'Create:', describe: 'Receives before a message moves to the DLQ', defaultDescription: '5' },
  'visibility-timeout': { type: 'number', group: 'Create:', describe: 'Seconds a received message stays invisible' },
  retention: { type: 'number', group: 'Create:', describe: 'Seconds SQS keeps a message (60-1209600)' },
  'max-message-size': { type: 'number', group: 'Create:', describe: 'Largest message in bytes, set explicitly', defaultDescription: '1048576' },
  topic: { type: 'string', group: 'Create:', describe: 'Also create this SNS topic and subscribe the queues to it (with the queue policy that lets it deliver)' },
  subscribe: { type: 'number', group: 'Create:', describe: 'With --topic: how many queues to create and subscribe (<prefix>-1 … -N; instead of --queues)' },
  'raw-delivery': { type: 'boolean', group: 'Create:', describe: 'With --topic: RawMessageDelivery on (the body as published); off: SNS wraps it in its JSON envelope', defaultDescription: 'false' },
  yes: { type: 'boolean', group: 'Purge/delete:', describe: 'Do not ask for confirmation' },
  watch: { type: 'number', group: 'Stats:', describe: 'Sample again every this many seconds until Ctrl-C' },
  json: { type: 'boolean', group: 'Stats:', describe: 'One JSON line per sample' },
};

export const reportOptions: OptionMap = {
  'run-id': { type: 'string', group: 'Input:', describe: 'Only results of this run id (for s3://: only objects under <prefix><run id>/)' },
  'job-uid': {
    type: 'string',
    array: true,
    group: 'Input:',
    describe: 'Only results of these Job applies (controller uids, repeatable): needed when one run id was applied more than once',
  },
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
/**
 * report --wait and its timing: flags only, never SQS_BLAST_* (not in COMMAND_OPTIONS):
 * SQS_BLAST_WAIT already means the queue-creation wait of the load commands, and a pod's or a
 * shell's SQS_BLAST_WAIT=false must not turn into a report that waits, or one that does not.
 */
export const reportWaitOptions: OptionMap = {
  wait: {
    type: 'boolean',
    group: 'Wait:',
    describe: 'With one s3:// location and --run-id: poll the run\'s ledger until every shard of every kind present has a final result, then report (for kubectl apply and GitOps)',
    defaultDescription: 'false',
  },
  timeout: { type: 'number', group: 'Wait:', describe: 'Seconds --wait waits for the last shard; then it reports what is there and exits 1', defaultDescription: String(WAIT_DEFAULTS.timeoutS) },
  'poll-interval': { type: 'number', group: 'Wait:', describe: 'Seconds between two looks at the ledger', defaultDescription: String(WAIT_DEFAULTS.pollIntervalS) },
};
export const compareOptions: OptionMap = {
  threshold: {
    ...common.threshold,
    describe: "Gate, repeatable: a signed % is a change against base ('p99<+10%', 'throughput>-5%'); otherwise on new alone ('p99<250ms'); a failure exits 99",
  },
  json: { type: 'boolean', describe: 'Print the comparison as JSON on stdout (the table goes to stderr)' },
  out: { type: 'string', describe: 'Write the comparison JSON to a file, or to s3://bucket/prefix/ (as compare-….json)' },
  html: { type: 'string', describe: 'Write both runs on the same charts (HDR percentile curves, msg/s) to this file' },
};
export const localOptions: OptionMap = { port: { type: 'number', describe: 'Port to listen on (0: any free port)', defaultDescription: '4566' } };
export const { local: _local, 'create-queues': _create, 'allow-foreign': _allowForeign, ...queuesTarget } = connection;

export const burstOptions: OptionMap = {
  'start-rate': { type: 'number', group: 'Burst:', describe: 'First step’s target msg/s', defaultDescription: String(BURST_DEFAULTS.startRate) },
  'step-factor': { type: 'number', group: 'Burst:', describe: 'Each coarse step multiplies the rate by this (> 1)', defaultDescription: String(BURST_DEFAULTS.stepFactor) },
  'step-duration': { type: 'number', group: 'Burst:', describe: 'Seconds each step is held and judged (after its --warmup)', defaultDescription: String(BURST_DEFAULTS.stepDuration) },
  ceiling: { type: 'number', group: 'Burst:', describe: 'Highest target msg/s to try', defaultDescription: String(BURST_DEFAULTS.ceiling) },
  'refine-steps': { type: 'number', group: 'Burst:', describe: 'Bisection steps between the last good and the first bad step', defaultDescription: String(BURST_DEFAULTS.refineSteps) },
  'slo-p99': { type: 'number', group: 'Burst:', describe: 'A step fails when its send p99 exceeds this many ms', defaultDescription: String(BURST_DEFAULTS.sloP99) },
  'slo-errors': { type: 'number', group: 'Burst:', describe: 'A step fails when error events (throttles included) exceed this % of its calls', defaultDescription: String(BURST_DEFAULTS.sloErrors) },
  'start-at': {
    type: 'string',
    group: 'Burst:',
    describe:
      'Sharded burst (required with --shards > 1): when step 1 starts, epoch seconds or ISO-8601, the same for every shard; then a fixed ladder (no bisection), step k starting at start + k × (warmup + step duration + step gap) in every shard, each sending its share; judge the fleet with `sqs-blast report`',
  },
  'step-gap': {
    type: 'number',
    group: 'Burst:',
    describe: 'Sharded burst: seconds between a step’s end and the next step’s start, for the step’s last replies and the next one’s setup',
    defaultDescription: String(BURST_DEFAULTS.stepGap),
  },
  drain: {
    type: 'boolean',
    group: 'Burst:',
    describe:
      'Each step also runs consumers (like `run`, shaped by the Drain:/Consumer: flags) and fails when they fall behind: the backlog (sent − received) grows by over 3% of the window’s messages (and over 20); each step’s backlog is drained before the next',
  },
  consumer: {
    type: 'string',
    group: 'Burst:',
    describe:
      'external: your own consumers read the queues and sqs-blast consumes nothing; each step samples the queues’ depth (and their DLQs’) every second and fails when the backlog grows beyond --max-growth or a DLQ gains messages',
  },
  'max-growth': {
    type: 'number',
    group: 'Burst:',
    describe: '--drain / --consumer external: a step fails when the backlog grows by more than this % of the messages sent in its window (and by more than 20)',
    defaultDescription: String(BURST_DEFAULTS.maxGrowth),
  },
  'settle-timeout': {
    type: 'number',
    group: 'Burst:',
    describe: '--consumer external: most seconds to wait after a step for your consumers to drain its backlog before the next step',
    defaultDescription: String(BURST_DEFAULTS.settleTimeout),
  },
};

/**
 * The consumer flags of burst --drain: run's, less --expect and --only-run-id (each step knows
 * its own messages) and --max-backlog (a cap on the backlog would hide the very growth a step is
 * judged on).
 */
export const { expect: _expect, 'max-backlog': _maxBacklog, 'only-run-id': _onlyRunId, ...burstDrainOptions } = drainOptions(true);
/**
 * Parsed (hidden) only so that burst refuses them with a reason rather than as unknown: the
 * consumers' per-run flags above, and send's pacing and bounds, which burst sets for each step.
 */
export const burstRefusedOptions: OptionMap = {
  ...Object.fromEntries(['total', 'duration', 'rate', 'stages'].map((k) => [k, { ...sendOptions[k], hidden: true }])),
  expect: { ..._expect, hidden: true },
  'max-backlog': { ..._maxBacklog, hidden: true },
  'only-run-id': { ..._onlyRunId, hidden: true },
};

/** send --observe: the user's consumers watched through the queues' depth (burst/observe-send.ts). */
export const observeOptions: OptionMap = {
  observe: {
    type: 'boolean',
    group: 'Your consumers:',
    describe: 'Your own consumers read the queues: sample their depth (and their DLQs’) every second, and report the consumers’ msg/s (sent − the backlog’s growth), the backlog’s growth and the DLQ’s gain',
  },
  'settle-timeout': { type: 'number', group: 'Your consumers:', describe: '--observe: most seconds to wait after the send for your consumers to drain the backlog', defaultDescription: String(BURST_DEFAULTS.settleTimeout) },
  'dlq-url': { type: 'string', group: 'Your consumers:', describe: '--observe: the DLQ to watch', defaultDescription: 'from the RedrivePolicy' },
};

export type EnvCommand = CommandName | 'report' | 'compare' | 'local' | 'queues' | 'burst';
const COMMAND_OPTIONS: Record<EnvCommand, OptionMap> = {
  send: { ...connection, ...sendOptions, ...topicSendOptions, ...observeOptions, ...common },
  drain: { ...connection, ...drainOptions(false), ...common },
  run: { ...connection, ...sendOptions, ...drainOptions(true), ...downstreamOptions, ...common },
  burst: { ...connection, ...sendOptions, ...burstOptions, ...burstDrainOptions, ...common },
  report: reportOptions,
  compare: compareOptions,
  local: localOptions,
  queues: { ...queuesTarget, ...queueAdminOptions },
};
const ALL_OPTIONS: OptionMap = Object.assign({}, ...Object.values(COMMAND_OPTIONS));
/** Variables of the SQS_BLAST_ family that are not flags. */
const ENV_NOT_FLAGS = new Set(['SQS_BLAST_DEBUG']);

const envName = (flag: string) => 'SQS_BLAST_' + flag.replace(/-/g, '_').toUpperCase();

/** Whether `command` reads this SQS_BLAST_<FLAG> variable (a flag of its own). */
export function commandReads(command: EnvCommand, variable: string): boolean {
  return Object.keys(COMMAND_OPTIONS[command]).some((flag) => envName(flag) === variable);
}
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
  const b = boolText(raw);
  if (b === undefined) throw new UsageError(`${name} must be true or false (got ${JSON.stringify(raw)})`);
  return b;
}
