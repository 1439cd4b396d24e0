/**
 * `sqs-blast k8s manifests|run|delete`: the flags and their help. The generator itself (and the
 * YAML library it needs) is loaded only when the command runs, so the load commands do not pay for it.
 */
import type { Argv, Options } from 'yargs';
import { UsageError } from '../errors.js';
import { WAIT_DEFAULTS } from '../config/defaults.js';
import { IMAGE_REPOSITORY, K8S_DEFAULTS, LOAD_TAINT } from './defaults.js';

const run = 'Run:';
const where = 'Cluster:';
const aws = 'AWS:';

export const K8S_OPTIONS: Record<string, Options> = {
  'run-id': { type: 'string', group: run, describe: 'Names the Jobs and ties send and drain together; a new id is a new run', defaultDescription: 'a fresh random id' },
  shards: { type: 'number', group: run, describe: 'Send pods, and as many drain pods (completions = parallelism = shards)', defaultDescription: String(K8S_DEFAULTS.shards) },
  total: { type: 'number', group: run, describe: 'Messages of the whole run, split over the send pods', defaultDescription: `${K8S_DEFAULTS.total} unless --duration` },
  duration: { type: 'number', group: run, describe: 'Send for this many seconds (with --total: whichever comes first)' },
  rate: { type: 'number', group: run, describe: 'Target msg/s of the whole run (each pod takes its share)' },
  'message-size': { type: 'number', group: run, describe: 'Body size in bytes', defaultDescription: String(K8S_DEFAULTS.messageSize) },
  queues: { type: 'number', group: run, describe: 'Queues <prefix>-1 … <prefix>-N', defaultDescription: String(K8S_DEFAULTS.queues) },
  'queue-prefix': {
    type: 'string',
    group: run,
    describe: 'Queue name prefix (the default keeps runs apart: their queues are their own; delete them after with sqs-blast queues delete)',
    defaultDescription: `${K8S_DEFAULTS.queuePrefix}-<run-id>`,
  },
  fifo: { type: 'boolean', group: run, describe: 'FIFO queues (<prefix>-N.fifo)' },
  dlq: { type: 'boolean', group: run, describe: 'The queue setup also creates <name>-dlq and a RedrivePolicy' },
  setup: { type: 'string', group: run, choices: ['init', 'none'], describe: 'init: every pod creates missing queues first (idempotent); none: they exist already (k8s run: always none, it creates them itself)', defaultDescription: 'init' },
  'start-timeout': { type: 'number', group: run, describe: 'Seconds a drain pod waits for its first message (send pods may still be scheduling)', defaultDescription: String(K8S_DEFAULTS.startTimeout) },
  'idle-timeout': { type: 'number', group: run, describe: 'Seconds without a message, after the first, that end a drain pod', defaultDescription: String(K8S_DEFAULTS.idleTimeout) },
  results: { type: 'string', group: aws, describe: 'Pods write their results to s3://BUCKET/PREFIX/ (collect with sqs-blast report s3://…); without it, collect from the logs. Required by k8s run, which waits on them' },
  region: { type: 'string', group: aws, describe: 'AWS region of the queues (and the results bucket)', defaultDescription: K8S_DEFAULTS.region },
  endpoint: { type: 'string', group: aws, describe: 'SQS and S3 endpoint URL for an emulator or a VPC endpoint (emulators get dummy keys)' },
  'send-role-arn': { type: 'string', group: aws, describe: 'IRSA: annotate the sqs-blast-send ServiceAccount with this role (EKS Pod Identity: leave out)' },
  'drain-role-arn': { type: 'string', group: aws, describe: 'IRSA: annotate the sqs-blast-drain ServiceAccount with this role' },
  'service-accounts': { type: 'boolean', group: where, describe: 'Emit the sqs-blast-send and sqs-blast-drain ServiceAccounts (--no-service-accounts: use existing ones)', defaultDescription: 'true' },
  namespace: { type: 'string', group: where, describe: 'Namespace of the run (created if missing)', defaultDescription: K8S_DEFAULTS.namespace },
  image: { type: 'string', group: where, describe: 'The sqs-blast image', defaultDescription: `${IMAGE_REPOSITORY}:<this version>` },
  'node-pool': { type: 'string', group: where, describe: `Karpenter: run on this NodePool (nodeSelector, and a toleration for its ${LOAD_TAINT} taint); default: any node` },
  cpu: { type: 'string', group: where, describe: 'CPU of each load pod (request = limit)', defaultDescription: K8S_DEFAULTS.cpu },
  memory: { type: 'string', group: where, describe: 'Memory of each load pod (request = limit)', defaultDescription: K8S_DEFAULTS.memory },
  'image-pull-secret': {
    type: 'string',
    array: true,
    group: where,
    describe: 'A docker-registry Secret (in the run namespace) both Jobs pull the image with, for a private registry (repeatable); a public image needs none',
  },
  'do-not-disrupt': {
    type: 'boolean',
    group: where,
    describe:
      'Annotate the load pods karpenter.sh/do-not-disrupt. Not for spot: Karpenter does not evict such pods gracefully, and the annotation does not exclude a node from interruption; the NodePool of k8s/karpenter keeps busy nodes with disruption budgets instead',
  },
  'metrics-port': { type: 'number', group: where, describe: 'Pods serve Prometheus /metrics on this port (named "metrics", for k8s/observability/podmonitor.yaml)' },
  'send-env': {
    type: 'string',
    array: true,
    group: run,
    describe: 'Any other flag of the send pods as SQS_BLAST_<FLAG>=VALUE, checked now (repeatable): e.g. SQS_BLAST_STAGES=2m:20000,10m:20000 or SQS_BLAST_WARMUP=10',
  },
  'drain-env': { type: 'string', array: true, group: run, describe: 'Any other flag of the drain pods, likewise: e.g. SQS_BLAST_PROCESS_TIME=20ms' },
  'ttl-after-finished': { type: 'number', group: where, describe: 'Seconds finished Jobs (and their pods and logs) are kept', defaultDescription: String(K8S_DEFAULTS.ttlAfterFinished) },
};

const runOnly = 'k8s run:';

/** Flags of `k8s run` (and, for --kubectl and --keep-queues, `k8s delete`) beyond those of the manifests. */
export const K8S_RUN_OPTIONS: Record<string, Options> = {
  out: { type: 'string', group: runOnly, describe: 'Write the merged result to FILE or s3://BUCKET/PREFIX/ (as sqs-blast report --out)' },
  html: { type: 'string', group: runOnly, describe: 'Write the merged HTML report to FILE' },
  json: { type: 'boolean', group: runOnly, describe: 'Print the merged result as JSON on stdout (the summary goes to stderr)' },
  threshold: { type: 'string', array: true, group: runOnly, describe: "Gate on the merged result, repeatable (e.g. 'p99<250ms'); a failure exits 99" },
  timeout: {
    type: 'number',
    group: runOnly,
    describe: 'Seconds to wait for every shard\'s final result; then report what is there, exit 1, and leave Jobs and queues (k8s delete)',
    defaultDescription: String(WAIT_DEFAULTS.timeoutS),
  },
  'poll-interval': { type: 'number', group: runOnly, describe: 'Seconds between progress lines (pods by phase, sent and received so far)', defaultDescription: String(WAIT_DEFAULTS.pollIntervalS) },
  'keep-queues': { type: 'boolean', group: runOnly, describe: 'Keep the run\'s queues afterwards (otherwise k8s run deletes those it created, k8s delete every <prefix>-N and its DLQ)', defaultDescription: 'false' },
  kubectl: { type: 'string', group: runOnly, describe: 'The kubectl that reaches the cluster (your kubeconfig, context and auth plugins, as in your shell)', defaultDescription: 'kubectl on PATH' },
};

/** Which flags each action takes: a run-only flag given to manifests is a mistake worth a line. */
const ACTION_FLAGS: Record<string, string[]> = {
  manifests: Object.keys(K8S_OPTIONS),
  run: [...Object.keys(K8S_OPTIONS), ...Object.keys(K8S_RUN_OPTIONS)],
  delete: ['run-id', 'namespace', 'queues', 'queue-prefix', 'fifo', 'endpoint', 'region', 'keep-queues', 'kubectl'],
};

export function k8sBuilder(y: Argv): Argv {
  return y
    .positional('action', { choices: ['manifests', 'run', 'delete'] as const, describe: 'manifests: print the YAML; run: apply, watch, report; delete: remove a run' })
    .positional('id', { type: 'string', describe: 'k8s delete: the run id' })
    .options(K8S_OPTIONS)
    .options(K8S_RUN_OPTIONS)
    .example('$0 k8s manifests --shards 20 --total 1000000 --results s3://my-results/sqs-blast/ | kubectl apply -f -', 'One run on EKS')
    .example('$0 k8s manifests --shards 20 --duration 900 --send-env SQS_BLAST_STAGES=5m:20000,10m:20000 --send-env SQS_BLAST_WARMUP=10 | kubectl apply -f -', 'A ramp held for 10 minutes')
    .example('$0 k8s manifests --shards 2 --total 20000 --endpoint http://sqs-blast-sqs:4566 | kubectl apply -f -', 'A rehearsal against an in-cluster emulator')
    .example('$0 k8s run --shards 20 --total 1000000 --results s3://my-results/sqs-blast/ --html report.html', 'Queues, apply, progress, the merged verdict, queues removed: one command')
    .example('$0 k8s delete k3f9q2ab', 'Remove a run\'s Jobs and queues')
    .epilog(
      'Prints the YAML of ONE run: a Namespace, the send and drain ServiceAccounts, and an Indexed send Job and\n' +
        'drain Job named sqs-blast-<run-id>-send|drain that share SQS_BLAST_RUN_ID, on queues of their own\n' +
        '(sqs-blast-<run-id>-N unless --queue-prefix; delete them after the run). Every apply of a fresh output is a\n' +
        'new run (the run id defaults to a random one); applying the same output again changes nothing.\n' +
        'Needs Kubernetes >= 1.29 (backoffLimitPerIndex, podFailurePolicy). Karpenter is optional (--node-pool).\n\n' +
        'k8s run (needs kubectl and --results s3://): creates the queues from here, proves the results location\n' +
        'writable, applies through kubectl apply -f -, prints progress, waits until every shard has its final\n' +
        'result (or both Jobs ended, or --timeout), then reports like sqs-blast report and exits with its verdict.\n' +
        'Ctrl-C suspends both Jobs, waits for the stopped pods\' results, reports, and exits 130.',
    );
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export async function runK8s(argv: Record<string, unknown>): Promise<void> {
  const action = String(argv.action ?? 'manifests');
  if (action !== 'delete' && argv.id !== undefined) {
    throw new UsageError(`k8s ${action} takes no run id argument (got ${JSON.stringify(argv.id)}); give it as --run-id ${String(argv.id)}`);
  }
  const allowed = new Set(ACTION_FLAGS[action]);
  const stray = [...Object.keys(K8S_OPTIONS), ...Object.keys(K8S_RUN_OPTIONS)].find((f) => !allowed.has(f) && argv[camel(f)] !== undefined);
  if (stray) throw new UsageError(`--${stray} is not a flag of k8s ${action}; drop it (see sqs-blast k8s --help)`);
  if (action === 'run') return (await import('./run.js')).runK8sRun(argv);
  if (action === 'delete') return (await import('./delete.js')).runK8sDelete(argv);
  const { resolveRunSpec } = await import('./options.js');
  const { renderYaml } = await import('./render.js');
  process.stdout.write(renderYaml(resolveRunSpec(argv)));
}
