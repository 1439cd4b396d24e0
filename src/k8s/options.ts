/**
 * `sqs-blast k8s manifests` flags → one validated description of a run. Like config.ts for the
 * load commands, every bad value becomes a one-line UsageError naming the flag and the fix (exit
 * 2) before anything is printed. The flags are read from argv only, not from SQS_BLAST_* in the
 * environment: a shell configured for a local run must not leak into the manifests of a cluster.
 */
import { LIMITS, randomRunId, validateEndpoint } from '../config.js';
import { UsageError } from '../errors.js';
import { IMAGE_REPOSITORY, K8S_DEFAULTS, packageVersion } from './defaults.js';
import { parseExtraEnv, type Env } from './extra-env.js';

export { K8S_DEFAULTS };

export interface RunSpec {
  runId: string;
  namespace: string;
  image: string;
  shards: number;
  /** Messages of the whole run (split over the send shards); undefined with --duration alone. */
  total?: number;
  /** Send seconds; with --total, whichever comes first. */
  duration?: number;
  queues: number;
  queuePrefix: string;
  fifo: boolean;
  dlq: boolean;
  messageSize: number;
  /** Run-wide msg/s, split over the shards by the CLI itself. */
  rate?: number;
  region: string;
  /** SQS and S3 endpoint for an emulator or a VPC endpoint; undefined for AWS. */
  endpoint?: string;
  /** s3://bucket/prefix/ the pods write their results to; undefined: logs only. */
  results?: string;
  /** Karpenter NodePool to pin the pods to; undefined: any node. */
  nodePool?: string;
  /** How the queues come to exist: an initContainer in every pod, or the user made them. */
  setup: 'init' | 'none';
  /** Emit the two ServiceAccounts (false: they exist already, e.g. made by eksctl or Terraform). */
  serviceAccounts: boolean;
  sendRoleArn?: string;
  drainRoleArn?: string;
  /** CPU and memory of each load pod (requests = limits: Guaranteed QoS, never first to be evicted). */
  cpu: string;
  memory: string;
  idleTimeout: number;
  startTimeout: number;
  ttlAfterFinished: number;
  /** Pods serve Prometheus /metrics on this port (a PodMonitor scrapes it); undefined: none. */
  metricsPort?: number;
  /** More SQS_BLAST_<FLAG> variables of the send and drain pods (--send-env, --drain-env). */
  sendEnv: Env;
  drainEnv: Env;
  /** --message-size was given (else --send-env may replace the default size). */
  messageSizeGiven: boolean;
  /** Annotate the load pods karpenter.sh/do-not-disrupt (opt-in: wrong on spot, see command.ts). */
  doNotDisrupt: boolean;
  /** Secrets (docker-registry) both Jobs' pods pull the image with; empty: a public image. */
  imagePullSecrets: string[];
}

/** SQS's limit on a queue name, .fifo included. */
export const MAX_QUEUE_NAME = 80;

/**
 * The longest queue name a run makes: <prefix>-<N>, its DLQ <prefix>-<N>-dlq, .fifo at the end
 * (the names of queueNames in src/sqs/queues.ts and dlqName in src/sqs/create-queue.ts; not
 * imported, as they bring the SQS SDK into the generator; test/k8s.generator.test.ts compares).
 */
export function longestQueueName(prefix: string, queues: number, fifo: boolean, dlq: boolean): string {
  return `${prefix}-${queues}${dlq ? '-dlq' : ''}${fifo ? '.fifo' : ''}`;
}


// Job names carry the run id and an Indexed Job's pods are named <job>-<index>: both must stay
// valid DNS labels (63 characters), and the longest is sqs-blast-<id>-drain-<index>.
const RUN_ID = /^[a-z0-9]([a-z0-9-]{0,22}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const QUANTITY = /^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,128}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function shown(v: unknown): string {
  return typeof v === 'number' && Number.isNaN(v) ? 'not a number' : JSON.stringify(v);
}

function int(argv: Record<string, unknown>, flag: string, min: number, max: number, hint: string): number | undefined {
  const v = argv[camel(flag)];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${flag} must be a whole number ${range} (got ${shown(v)}); ${hint}`);
  }
  return v;
}

function positive(argv: Record<string, unknown>, flag: string, hint: string): number | undefined {
  const v = argv[camel(flag)];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new UsageError(`--${flag} must be a number > 0 (got ${shown(v)}); ${hint}`);
  return v;
}

function text(argv: Record<string, unknown>, flag: string): string | undefined {
  const v = argv[camel(flag)];
  if (v === undefined || v === '') return undefined;
  return String(Array.isArray(v) ? v[v.length - 1] : v);
}

function matching(argv: Record<string, unknown>, flag: string, pattern: RegExp, hint: string): string | undefined {
  const v = text(argv, flag);
  if (v !== undefined && !pattern.test(v)) throw new UsageError(`--${flag} ${JSON.stringify(v)} is not valid; ${hint}`);
  return v;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** --image-pull-secret NAME (repeatable): Secrets in the run's namespace, so DNS subdomain names. */
function imagePullSecrets(argv: Record<string, unknown>): string[] {
  const raw = argv.imagePullSecret;
  const names = (raw === undefined ? [] : [raw].flat()).map(String).filter(Boolean);
  for (const n of names) {
    if (!DNS_SUBDOMAIN.test(n)) throw new UsageError(`--image-pull-secret ${JSON.stringify(n)} is not a Secret name; give the docker-registry Secret in the run's namespace, e.g. --image-pull-secret ghcr-pull`);
  }
  return [...new Set(names)];
}

/** s3://bucket/prefix/ with the trailing slash the result store expects. */
export function resultsUrl(raw: string): string {
  const m = /^s3:\/\/([^/]+)(\/.*)?$/.exec(raw);
  if (!m || !BUCKET.test(m[1])) {
    throw new UsageError(`--results ${JSON.stringify(raw)} is not an S3 location; give s3://BUCKET/PREFIX/ (e.g. s3://my-results/sqs-blast/)`);
  }
  const prefix = (m[2] ?? '/').replace(/\/*$/, '/');
  return `s3://${m[1]}${prefix}`;
}

export function resolveRunSpec(argv: Record<string, unknown>): RunSpec {
  const shards = int(argv, 'shards', 1, 10_000, 'one send pod and one drain pod per shard, e.g. --shards 20') ?? K8S_DEFAULTS.shards;
  const duration = positive(argv, 'duration', 'give the send time in seconds, e.g. --duration 600');
  const totalArg = int(argv, 'total', 1, Number.MAX_SAFE_INTEGER, 'give the messages of the whole run, e.g. --total 1000000');
  const total = totalArg ?? (duration === undefined ? K8S_DEFAULTS.total : undefined);
  if (total !== undefined && total < shards) {
    throw new UsageError(`--total ${total} is below --shards ${shards}: every send shard needs at least one message; raise --total or lower --shards`);
  }
  const messageSize =
    int(argv, 'message-size', LIMITS.minMessageBytes, LIMITS.maxMessageBytes, 'SQS takes 256 B to 1 MiB (1048576 bytes) per message') ??
    K8S_DEFAULTS.messageSize;
  const setup = text(argv, 'setup') ?? 'init';
  if (setup !== 'init' && setup !== 'none') throw new UsageError(`--setup must be init or none (got ${JSON.stringify(setup)})`);
  const endpointRaw = text(argv, 'endpoint');
  const serviceAccounts = argv.serviceAccounts === undefined ? true : Boolean(argv.serviceAccounts);
  if (!serviceAccounts && (argv.sendRoleArn !== undefined || argv.drainRoleArn !== undefined)) {
    throw new UsageError('--send-role-arn/--drain-role-arn annotate the ServiceAccounts this command creates: drop --no-service-accounts, or annotate yours yourself');
  }
  const idleTimeout = positive(argv, 'idle-timeout', 'seconds without a message after which a drain pod is done') ?? K8S_DEFAULTS.idleTimeout;
  const startTimeout = positive(argv, 'start-timeout', 'seconds a drain pod waits for its first message') ?? K8S_DEFAULTS.startTimeout;
  const runId = matching(argv, 'run-id', RUN_ID, 'use 1-24 lowercase letters, digits or inner dashes (it names the Jobs), e.g. --run-id soak1') ?? randomRunId();
  // Per run by default: runs never share (or delete) each other's queues, and a later run never
  // reads an earlier one's leftovers. --queue-prefix shares queues on purpose.
  const prefixGiven = text(argv, 'queue-prefix') !== undefined;
  const queuePrefix = matching(argv, 'queue-prefix', /^[A-Za-z0-9_-]{1,70}$/, "use 1-70 letters, digits, '-' or '_'") ?? `${K8S_DEFAULTS.queuePrefix}-${runId}`;
  const queues = int(argv, 'queues', 1, LIMITS.maxQueues, 'give how many queues to spread over, e.g. --queues 4') ?? K8S_DEFAULTS.queues;
  const fifo = Boolean(argv.fifo);
  const dlq = Boolean(argv.dlq);
  const longest = longestQueueName(queuePrefix, queues, fifo, dlq);
  if (longest.length > MAX_QUEUE_NAME) {
    const why = `makes the queue name ${longest} (${longest.length} characters; SQS allows ${MAX_QUEUE_NAME}${dlq || fifo ? ', with the -dlq and .fifo suffixes' : ''})`;
    throw new UsageError(
      prefixGiven
        ? `--queue-prefix ${JSON.stringify(queuePrefix)} ${why}: shorten --queue-prefix or lower --queues`
        : `--run-id ${JSON.stringify(runId)} (in the default queue prefix sqs-blast-<run-id>) ${why}: shorten --run-id or give a shorter --queue-prefix`,
    );
  }
  return {
    runId,
    namespace: matching(argv, 'namespace', DNS_LABEL, 'use a Kubernetes namespace name, e.g. --namespace sqs-blast') ?? K8S_DEFAULTS.namespace,
    image: matching(argv, 'image', /^[^\s]+$/, 'give an image reference, e.g. --image ghcr.io/OWNER/sqs-blast:0.1.0') ?? `${IMAGE_REPOSITORY}:${packageVersion()}`,
    shards,
    total,
    duration,
    queues,
    queuePrefix,
    fifo,
    dlq,
    messageSize,
    rate: positive(argv, 'rate', 'give messages per second for the whole run, e.g. --rate 20000'),
    region: matching(argv, 'region', /^[a-z]{2}(-[a-z]+)+-\d+$/, 'use an AWS region name, e.g. --region eu-west-1') ?? K8S_DEFAULTS.region,
    endpoint: endpointRaw === undefined ? undefined : validateEndpoint(endpointRaw, '--endpoint'),
    results: text(argv, 'results') === undefined ? undefined : resultsUrl(text(argv, 'results')!),
    nodePool: matching(argv, 'node-pool', DNS_LABEL, 'give the name of a Karpenter NodePool, e.g. --node-pool sqs-blast'),
    setup,
    serviceAccounts,
    sendRoleArn: matching(argv, 'send-role-arn', ROLE_ARN, 'give an IAM role ARN, e.g. arn:aws:iam::111122223333:role/sqs-blast-send'),
    drainRoleArn: matching(argv, 'drain-role-arn', ROLE_ARN, 'give an IAM role ARN, e.g. arn:aws:iam::111122223333:role/sqs-blast-drain'),
    cpu: matching(argv, 'cpu', QUANTITY, 'use a Kubernetes CPU quantity, e.g. --cpu 2 or --cpu 1500m') ?? K8S_DEFAULTS.cpu,
    memory: matching(argv, 'memory', QUANTITY, 'use a Kubernetes memory quantity, e.g. --memory 2Gi') ?? K8S_DEFAULTS.memory,
    idleTimeout,
    startTimeout,
    ttlAfterFinished:
      int(argv, 'ttl-after-finished', 0, 31_536_000, 'seconds finished Jobs are kept, e.g. --ttl-after-finished 3600') ?? K8S_DEFAULTS.ttlAfterFinished,
    metricsPort: int(argv, 'metrics-port', 1, 65_535, 'give the port pods serve /metrics on, e.g. --metrics-port 9464'),
    sendEnv: parseExtraEnv(argv, 'send'),
    drainEnv: parseExtraEnv(argv, 'drain'),
    messageSizeGiven: argv.messageSize !== undefined,
    doNotDisrupt: Boolean(argv.doNotDisrupt),
    imagePullSecrets: imagePullSecrets(argv),
  };
}
