/**
 * Flags + environment → one validated, typed config. Every bad-input error is born here, as a
 * one-line UsageError that names the flag and the fix; the CLI prints it and exits 2 before a
 * single message is sent. Defaults live here too (not in yargs) so that "was this flag given?"
 * stays answerable for conflict checks.
 */
import { randomBytes } from 'node:crypto';
import { UsageError } from './errors.js';
import { DEFAULTS, LIMITS } from './config/defaults.js';

export { DEFAULTS, LIMITS };
import { boolArg, intArg, nonNegativeArg, positiveArg, stringArg, stringList, type RawArgs } from './config/args.js';
import { defaultWorkers } from './config/cpus.js';
import { regionFromQueueUrl, regionOfSqsHost, validateQueueUrl } from './config/queue-url.js';
import { credentialsNamed, isLoopbackHost, validateEndpoint } from './endpoint.js';

export { isLoopbackHost, validateEndpoint };
export { intArg, positiveArg, type RawArgs } from './config/args.js';
export { usableCpus } from './config/cpus.js';
export { queueNameOf, validateQueueUrl } from './config/queue-url.js';
import { checkS3Out, isS3Url } from './config/s3-location.js';
import { parseThresholds, type Threshold } from './config/thresholds.js';
import { defaultShardIndex, shardSize } from './shard.js';
import { resolveObserve, type ObserveOptions } from './config/observe.js';
import { checkFifoWorkload, resolveProducerWorkload, type ProducerWorkload } from './config/workload.js';
import { resolveConsumerWorkload, type ConsumerWorkload } from './config/consumer.js';
import { resolvePacing } from './config/pacing.js';
import type { SchedulePlan } from './load/schedule.js';
import { attemptIdentity, type AttemptIdentity } from './config/attempt.js';
import { resolveDownstream, type DownstreamRef } from './config/downstream.js';
import { resolveFanOut, resolveTopic, type TopicOptions } from './config/topic.js';

export type CommandName = 'send' | 'drain' | 'run';


export interface Connection {
  /**
   * Where requests go. From config: --endpoint or AWS_ENDPOINT_URL*; undefined until setup asks
   * the SDK's own endpoint rules (sqs/endpoint-rules.ts), which fills it in before any worker starts.
   */
  endpoint?: string;
  /** Where `endpoint` came from ('--endpoint', 'AWS_ENDPOINT_URL_SQS', 'queue URL', 'SDK endpoint rules', …), for the summary. */
  endpointSource?: string;
  /** The SigV4 signing region: a queue URL's own region first (see resolveConfig). */
  region: string;
  /** Static credentials (embedded server, loopback endpoints); otherwise the SDK's chain. */
  staticCredentials?: { accessKeyId: string; secretAccessKey: string };
  requestTimeoutMs: number;
  maxRetries: number;
  verifyMd5: boolean;
  /** Hot-path keep-alive sockets are retired once this old (0: never), so DNS is looked up again. */
  maxConnectionAgeMs: number;
  /** The proxy the hot path's requests go through (HTTPS_PROXY/HTTP_PROXY less NO_PROXY), set at setup. */
  proxy?: string;
  /**
   * What carries the loops' calls (--client): sqs-blast's own HTTP/1.1 client and signer, or
   * @aws-sdk/client-sqs itself, for what the lean path does not cover and as a production SDK
   * client would see it. Setup and admin calls use the SDK either way.
   */
  client: WireClient;
}

export const WIRE_CLIENTS = ['lean', 'sdk'] as const;
export type WireClient = (typeof WIRE_CLIENTS)[number];

export interface QueueSelection {
  /** Explicit URLs; when set, count/prefix are not used. */
  urls?: string[];
  count: number;
  prefix: string;
  create: boolean;
  /**
   * Creating a queue whose name was deleted less than 60 s ago waits until SQS takes the name
   * again (false under --no-wait: fail at once, e.g. in CI that should not sit out a minute).
   */
  wait: boolean;
  /** FIFO queues: names end in .fifo (given URLs must all be FIFO or all standard). */
  fifo: boolean;
  /** A send may start on queues holding another run's messages (run/setup.ts refuses otherwise). */
  allowForeign: boolean;
}

export interface OutputOptions {
  out?: string;
  json: boolean;
  quiet: boolean;
  progressIntervalMs: number;
  /** Print `SQS_BLAST_RESULT {json}` on stdout at the end (default: when stdout is not a TTY). */
  resultLine: boolean;
  /** Seconds between queue-depth samples during the run (0: none). */
  depthIntervalMs: number;
  html?: string;
  /**
   * The run's ledger (ledger/): --out s3:// under a fixed --run-id. Each process is one attempt
   * of its shard, its object overwritten by a checkpoint every `checkpointMs` and by the final
   * result at exit; undefined: no ledger (results as before).
   */
  ledger?: LedgerOptions;
}

export interface LedgerOptions {
  checkpointMs: number;
  attempt: AttemptIdentity;
}

/** The message sizes, attributes, delay, body and FIFO groups are the ProducerWorkload's. */
export interface SendOptions extends ProducerWorkload {
  /** Messages this shard sends; Infinity when only a duration bounds the run. */
  total: number;
  /** The whole run's total across shards (Infinity with duration-only runs). */
  runTotal: number;
  durationMs?: number;
  batchSize: number;
  concurrency: number;
  workers: number;
  /** Messages per second for this shard (open model); undefined = as fast as concurrency allows. */
  rate?: number;
  /** When batches start (--rate or --stages, --warmup, --duration), this shard's share. */
  schedule: SchedulePlan;
  /** run only: senders wait while more than this many messages are sent but not yet received. */
  maxBacklog: number;
  /** FIFO: message groups (each sent in order by one lane at a time). */
  groups?: number;
}

export interface DrainOptions {
  expect?: number;
  /** Stop when no message arrived for this long, counted from the first message. */
  idleTimeoutMs: number;
  /** drain: how long to wait for the first message (a pod may start before its producers). */
  startTimeoutMs: number;
  durationMs?: number;
  maxMessages: number;
  waitTimeSeconds: number;
  visibilityTimeout?: number;
  /** Pollers per queue (spread over the worker threads). */
  concurrency: number;
  workers: number;
  dlqUrl?: string;
  /** Only count integrity for this run id (others are still consumed, and counted as foreign). */
  runIdFilter?: string;
  /** How the consumer behaves: --process-time, --delete, --extend-visibility, --max-in-flight. */
  consumer: ConsumerWorkload;
  /**
   * run --downstream: drain these queues (a user's service's output) instead of the queues sent
   * to; resolved to URLs at setup (sqs/downstream.ts).
   */
  downstream?: DownstreamRef[];
  /** --fan-out: the queues are an SNS topic's subscriptions, each expected to get every message (sns/fan-out.ts). */
  fanOut: boolean;
}

export interface Config {
  command: CommandName | 'queues';
  runId: string;
  shard: number;
  shards: number;
  local: boolean;
  connection: Connection;
  queues: QueueSelection;
  output: OutputOptions;
  observe: ObserveOptions;
  send?: SendOptions;
  /** send --topic-arn: publish to this SNS topic instead of sending to queues. */
  topic?: TopicOptions;
  drain?: DrainOptions;
  /** How long in-flight calls may finish after a stop request before they are abandoned. */
  graceMs: number;
  /** Give the run up when calls keep failing and none has succeeded for this long. */
  giveUpMs: number;
  thresholds: Threshold[];
  /** USD per million billed requests (us-east-1 list prices by default). */
  pricePerMillion: number;
  /**
   * Exit with this process's own verdict (1, 99). Off in pods of a sharded Job: there a shard's
   * verdict is a result for `sqs-blast report` to judge, not a crash to retry or fail the Job on.
   */
  gate: boolean;
}

function wireClient(value: string | undefined): WireClient {
  if (value === undefined) return 'lean';
  if ((WIRE_CLIENTS as readonly string[]).includes(value)) return value as WireClient;
  throw new UsageError(
    `--client (env SQS_BLAST_CLIENT) ${JSON.stringify(value)} is not a client; use lean (sqs-blast's own HTTP client, the default) or sdk (@aws-sdk/client-sqs, its standard retries)`,
  );
}

export function randomRunId(): string {
  // 8 base36 chars: short enough for every message id, ~41 bits of randomness.
  return BigInt('0x' + randomBytes(6).toString('hex')).toString(36).padStart(8, '0').slice(-8);
}

export function resolveConfig(command: CommandName | 'queues', args: RawArgs, env: NodeJS.ProcessEnv = process.env): Config {
  const local = boolArg(args, 'local') ?? false;
  const queueUrls = stringList(args, 'queueUrl').map(validateQueueUrl);
  const queueCountGiven = args.queues !== undefined;
  const prefixGiven = args.queuePrefix !== undefined;

  // --- connection
  let endpoint: string | undefined;
  let endpointSource: string | undefined;
  const endpointFlag = stringArg(args, 'endpoint');
  if (local && endpointFlag) {
    throw new UsageError('--local starts its own server: drop --endpoint, or drop --local to use that endpoint');
  }
  // Checked here for a clean exit 2; which configured endpoint wins (these, or a profile's
  // endpoint_url) is decided at setup by the SDK's own rules.
  if (endpointFlag) [endpoint, endpointSource] = [validateEndpoint(endpointFlag, '--endpoint'), '--endpoint'];
  else if (env.AWS_ENDPOINT_URL_SQS) [endpoint, endpointSource] = [validateEndpoint(env.AWS_ENDPOINT_URL_SQS, 'AWS_ENDPOINT_URL_SQS'), 'AWS_ENDPOINT_URL_SQS'];
  else if (env.AWS_ENDPOINT_URL) [endpoint, endpointSource] = [validateEndpoint(env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL'), 'AWS_ENDPOINT_URL'];

  if (local && command === 'queues') {
    throw new UsageError('queues works on a running server: use --endpoint (e.g. from sqs-blast local) instead of --local');
  }
  if (local && queueUrls.length > 0) {
    throw new UsageError('--local creates its own queues: use --queues/--queue-prefix instead of --queue-url');
  }
  if (queueUrls.length > 0 && (queueCountGiven || prefixGiven)) {
    throw new UsageError('choose queues one way: either --queue-url (repeatable) or --queues N --queue-prefix P');
  }

  // A queue lives in one region and SQS checks the signature against it: its URL's region beats
  // AWS_REGION (a pod's default), and a --region that says otherwise is a mistake to name.
  const regionFlag = stringArg(args, 'region');
  const urlRegions = [...new Set(queueUrls.map(regionFromQueueUrl).filter((r): r is string => r !== undefined))];
  if (urlRegions.length > 1) {
    throw new UsageError(`--queue-url names queues in ${urlRegions.join(' and ')}: a run signs for one region; run one region at a time`);
  }
  if (urlRegions.length && regionFlag && regionFlag !== urlRegions[0]) {
    throw new UsageError(`--region ${regionFlag} contradicts --queue-url, whose queue is in ${urlRegions[0]}: drop --region (the queue URL's region is used)`);
  }
  const region =
    urlRegions[0] ??
    regionFlag ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION ??
    // An SQS host given as the endpoint (a VPC endpoint, say) names its region too.
    (endpoint ? regionOfSqsHost(new URL(endpoint).hostname) : undefined) ??
    DEFAULTS.region;
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new UsageError(`--region ${JSON.stringify(region)} is not an AWS region name; use e.g. us-east-1`);
  }

  const loopback = endpoint !== undefined && isLoopbackHost(new URL(endpoint).hostname);
  const hasEnvKeys = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  const connection: Connection = {
    endpoint,
    endpointSource,
    region,
    // Local emulators accept any key; real AWS gets the SDK's credential chain, and so does a
    // loopback --endpoint when keys or AWS_PROFILE are set (endpoint.ts). --local's own server
    // ignores a profile: a shell's AWS_PROFILE must not make it resolve (or prompt for) real keys.
    staticCredentials: (local && !hasEnvKeys) || (loopback && !credentialsNamed(env)) ? { accessKeyId: 'sqsblast', secretAccessKey: 'sqsblast' } : undefined,
    requestTimeoutMs: (positiveArg(args, 'requestTimeout') ?? DEFAULTS.requestTimeout) * 1000,
    maxRetries: intArg(args, 'maxRetries', 0, 100) ?? DEFAULTS.maxRetries,
    verifyMd5: boolArg(args, 'verifyMd5') ?? false,
    maxConnectionAgeMs: (nonNegativeArg(args, 'maxConnectionAge') ?? DEFAULTS.maxConnectionAge) * 1000,
    client: wireClient(stringArg(args, 'client')),
  };

  // --- queues
  const count = intArg(args, 'queues', 1, LIMITS.maxQueues, 'give how many queues to spread over, e.g. --queues 4') ?? DEFAULTS.queues;
  const prefix = stringArg(args, 'queuePrefix') ?? DEFAULTS.queuePrefix;
  if (!/^[A-Za-z0-9_-]{1,70}$/.test(prefix)) {
    throw new UsageError(`--queue-prefix ${JSON.stringify(prefix)} must be 1-70 letters, digits, '-' or '_'`);
  }
  const fifoUrls = queueUrls.filter((u) => u.endsWith('.fifo')).length;
  if (fifoUrls && fifoUrls !== queueUrls.length) {
    throw new UsageError('--queue-url mixes FIFO (.fifo) and standard queues; run them separately');
  }
  const queues: QueueSelection = {
    urls: queueUrls.length ? queueUrls : undefined,
    count: queueUrls.length || count,
    prefix,
    create: local || (boolArg(args, 'createQueues') ?? false),
    wait: boolArg(args, 'wait') ?? true,
    fifo: queueUrls.length ? fifoUrls > 0 : (boolArg(args, 'fifo') ?? false),
    allowForeign: boolArg(args, 'allowForeign') ?? false,
  };

  // --- identity and shards
  // Pods of one Kubernetes Job share its uid (passed in as JOB_UID), so they share a run id.
  const jobUid = env.JOB_UID?.replace(/[^A-Za-z0-9]/g, '');
  const runIdGiven = stringArg(args, 'runId') ?? (jobUid ? jobUid.slice(0, 8).toLowerCase() : undefined);
  const runId = runIdGiven ?? randomRunId();
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(runId)) {
    throw new UsageError(`--run-id ${JSON.stringify(runId)} must be 1-32 letters, digits, '-' or '_'`);
  }
  // Queue administration is not sharded: an init container of an Indexed Job's pod also gets
  // JOB_COMPLETION_INDEX from Kubernetes, which must not make its `queues create` a shard >= 1.
  const sharded = command !== 'queues';
  const shards = sharded ? (intArg(args, 'shards', 1, 100_000) ?? 1) : 1;
  const shard = sharded ? (intArg(args, 'shard', 0, 99_999) ?? defaultShardIndex(env) ?? 0) : 0;
  if (shard >= shards) {
    throw new UsageError(`--shard ${shard} must be below --shards ${shards} (shards are numbered 0..${shards - 1})`);
  }
  // Shards that each pick a random run id look like several runs with most of their shards
  // missing: a merge would report their messages lost. Refuse before anything is sent.
  if (shards > 1 && runIdGiven === undefined) {
    throw new UsageError(
      `--shards ${shards} needs one run id shared by every shard: give --run-id ID (env SQS_BLAST_RUN_ID) to all of them, e.g. --run-id $(date +%s)`,
    );
  }

  // --- output
  const out = stringArg(args, 'out');
  if (isS3Url(out)) checkS3Out(out, local, env);
  const output: OutputOptions = {
    out,
    json: boolArg(args, 'json') ?? false,
    quiet: boolArg(args, 'quiet') ?? false,
    progressIntervalMs: (positiveArg(args, 'progressInterval') ?? DEFAULTS.progressInterval) * 1000,
    resultLine: boolArg(args, 'resultLine') ?? !process.stdout.isTTY,
    depthIntervalMs: (nonNegativeArg(args, 'depthInterval') ?? DEFAULTS.depthInterval) * 1000,
    html: stringArg(args, 'html'),
  };
  const checkpointS = nonNegativeArg(args, 'checkpointInterval');
  if (isS3Url(out) && runIdGiven !== undefined && command !== 'queues') {
    output.ledger = { checkpointMs: (checkpointS ?? DEFAULTS.checkpointInterval) * 1000, attempt: attemptIdentity(env) };
  } else if (checkpointS !== undefined && checkpointS > 0) {
    throw new UsageError('--checkpoint-interval writes to the run\'s ledger: give --out s3://bucket/prefix/ and --run-id ID (both set in the pods of `sqs-blast k8s manifests`), or drop it');
  }

  const config: Config = {
    command,
    runId,
    shard,
    shards,
    local,
    connection,
    queues,
    output,
    observe: resolveObserve(args),
    graceMs: (positiveArg(args, 'grace') ?? DEFAULTS.grace) * 1000,
    giveUpMs: (positiveArg(args, 'giveUpAfter') ?? DEFAULTS.giveUpAfter) * 1000,
    thresholds: parseThresholds(args.threshold),
    pricePerMillion: DEFAULTS.priceStandard,
    gate: boolArg(args, 'gate') ?? true,
  };

  const durationS = positiveArg(args, 'duration', 'give the run length in seconds, e.g. --duration 60');
  if (command === 'send' || command === 'run') config.send = resolveSend(args, shard, shards, durationS, command);
  if (config.send?.groups !== undefined && !queues.fifo) {
    throw new UsageError('--groups is for FIFO queues: add --fifo (or give .fifo queue URLs), or drop --groups');
  }
  checkFifoWorkload(config.send, queues.fifo, args);
  if (config.send && queues.fifo) {
    // One lane per group keeps each group's sends in order; more lanes than groups would idle.
    config.send.groups ??= config.send.concurrency;
    config.send.concurrency = Math.min(config.send.concurrency, config.send.groups);
    config.send.workers = Math.min(config.send.workers, config.send.concurrency);
  }
  if (command === 'drain' || command === 'run') config.drain = resolveDrain(args, queues.count, durationS, command);
  if (command === 'run') throughService(config, resolveDownstream(args, local, region));
  if (config.send) config.topic = resolveTopic(args, { queueUrlsGiven: queueUrls.length > 0, local, fifo: queues.fifo, verifyMd5: connection.verifyMd5, send: config.send });
  if (config.drain) resolveFanOut(args, config.drain, queues.count);
  // FIFO order is checked per thread: one drain thread sees every group's messages in order.
  if (config.drain && queues.fifo) config.drain.workers = 1;
  const price = positiveArg(args, 'pricePerMillion', 'give the price per million requests in USD, e.g. 0.40');
  config.pricePerMillion = price ?? (queues.fifo ? DEFAULTS.priceFifo : DEFAULTS.priceStandard);
  return config;
}

/**
 * run --downstream: the drain reads the service's output, so only this run's heads are its own
 * (another run's messages there are foreign), and the senders keep their schedule whatever the
 * service does (no backlog cap: a slow service shows as latency through it).
 */
function throughService(config: Config, downstream: DownstreamRef[] | undefined): void {
  if (!downstream) return;
  const drain = config.drain!;
  drain.downstream = downstream;
  drain.runIdFilter ??= config.runId;
  drain.workers = Math.min(drain.workers, drain.concurrency * downstream.length);
  config.send!.maxBacklog = 0;
}

function resolveSend(args: RawArgs, shard: number, shards: number, durationS: number | undefined, command: CommandName | 'queues'): SendOptions {
  const totalArg = intArg(args, 'total', 1, Number.MAX_SAFE_INTEGER, 'give how many messages to send, e.g. --total 100000');
  const pacing = resolvePacing(args, shards, durationS !== undefined ? durationS * 1000 : undefined);
  const runTotal = totalArg ?? (durationS !== undefined || pacing.bounded ? Infinity : DEFAULTS.total);
  const batchSize = intArg(args, 'batchSize', 1, 10, 'an SQS batch holds 1 to 10 entries') ?? DEFAULTS.batchSize;
  const workload = resolveProducerWorkload(args, batchSize, LIMITS, DEFAULTS.messageSize);
  const concurrency = intArg(args, 'concurrency', 1, 10_000) ?? DEFAULTS.sendConcurrency;
  const workers = intArg(args, 'workers', 1, 64) ?? defaultWorkers();
  const total = runTotal === Infinity ? Infinity : shardSize(runTotal, shards, shard);
  return {
    total,
    runTotal,
    durationMs: durationS !== undefined ? durationS * 1000 : undefined,
    batchSize,
    ...workload,
    concurrency,
    workers: Math.min(workers, concurrency),
    rate: pacing.rate,
    schedule: pacing.schedule,
    maxBacklog: command === 'run' ? (intArg(args, 'maxBacklog', 0, Number.MAX_SAFE_INTEGER) ?? DEFAULTS.maxBacklog) : 0,
    groups: intArg(args, 'groups', 1, 100_000, 'give the number of FIFO message groups'),
  };
}

function resolveDrain(args: RawArgs, queueCount: number, durationS: number | undefined, command: CommandName | 'queues'): DrainOptions {
  const workers = intArg(args, command === 'run' ? 'drainWorkers' : 'workers', 1, 64) ?? defaultWorkers();
  const concurrency =
    intArg(args, command === 'run' ? 'drainConcurrency' : 'concurrency', 1, 1000, 'pollers per queue') ?? DEFAULTS.drainConcurrency;
  const visibilityTimeout = intArg(args, 'visibilityTimeout', 0, 43_200, 'SQS allows 0 to 43200 seconds');
  const dlq = stringArg(args, 'dlqUrl');
  const idleTimeoutS = positiveArg(args, 'idleTimeout') ?? DEFAULTS.idleTimeout;
  const maxMessages = intArg(args, 'maxMessages', 1, 10, 'ReceiveMessage returns 1 to 10 messages') ?? DEFAULTS.maxMessages;
  return {
    expect: intArg(args, 'expect', 0, Number.MAX_SAFE_INTEGER, 'give how many messages you expect, e.g. --expect 20000'),
    idleTimeoutMs: idleTimeoutS * 1000,
    startTimeoutMs: (positiveArg(args, 'startTimeout', 'give seconds to wait for the first message, e.g. --start-timeout 300') ?? idleTimeoutS) * 1000,
    durationMs: durationS !== undefined ? durationS * 1000 : undefined,
    maxMessages,
    // run keeps its queues busy, so short polls cost little; they keep the run's end from waiting
    // on 20-second polls that a graceful stop lets finish.
    waitTimeSeconds:
      intArg(args, 'waitTime', 0, 20, 'SQS long polls wait 0 to 20 seconds') ?? (command === 'run' ? DEFAULTS.runWaitTime : DEFAULTS.waitTime),
    visibilityTimeout,
    concurrency,
    workers: Math.min(workers, concurrency * queueCount),
    dlqUrl: dlq ? validateQueueUrl(dlq) : undefined,
    runIdFilter: stringArg(args, 'onlyRunId'),
    consumer: resolveConsumerWorkload(args, { maxMessages, visibilityTimeout, bounded: command === 'run' || args.expect !== undefined || durationS !== undefined }),
    fanOut: false,
  };
}
