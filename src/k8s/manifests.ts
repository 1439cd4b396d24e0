/**
 * The Kubernetes objects of one run: the namespace, a ServiceAccount per role, and an Indexed
 * send Job and drain Job that share the run id. Plain objects; render.ts turns them into YAML.
 * Every choice that a platform engineer would question is explained next to it, and the same
 * words go into the YAML as comments.
 */
import { LOAD_TAINT, packageVersion } from './defaults.js';
import type { RunSpec } from './options.js';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: unknown }; [k: string]: unknown };

/** One YAML document: an object and the comment printed above it. */
export interface Manifest {
  comment?: string;
  object: K8sObject;
}

import { withExtraEnv, type Env, type Role } from './extra-env.js';

export const SERVICE_ACCOUNTS: Record<Role, string> = { send: 'sqs-blast-send', drain: 'sqs-blast-drain' };
export const RUN_ID_LABEL = 'sqs-blast/run-id';
/** The load container's name: the one the FailJob rule names, so a failed setup never matches it. */
export const MAIN_CONTAINER = 'sqs-blast';

/**
 * Who this pod attempt is, for the run's ledger (src/config/attempt.ts reads these): a retried
 * index is a new pod (a new name and uid) under the same Job (controller uid). From the downward
 * API, so nothing outside the pod's own metadata is needed.
 */
export const ATTEMPT_ENV = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
  { name: 'JOB_CONTROLLER_UID', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/controller-uid']" } } },
];

export function jobName(runId: string, role: Role): string {
  return `sqs-blast-${runId}-${role}`;
}

function labels(spec: RunSpec, component?: Role): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'sqs-blast',
    'app.kubernetes.io/managed-by': 'sqs-blast',
    ...(component ? { 'app.kubernetes.io/component': component, 'app.kubernetes.io/version': packageVersion(), [RUN_ID_LABEL]: spec.runId } : {}),
  };
}

function isAwsHost(endpoint: string): boolean {
  return /(^|\.)amazonaws\.com(\.cn)?$/.test(new URL(endpoint).hostname);
}

/** Where the AWS calls go and who signs them; the queue-setup container needs only this. */
function awsEnv(spec: RunSpec): Env {
  const env: Env = [{ name: 'AWS_REGION', value: spec.region }];
  if (spec.endpoint) {
    // Emulators (fauxqs, LocalStack) serve SQS and S3 on one port.
    env.push({ name: 'AWS_ENDPOINT_URL_SQS', value: spec.endpoint }, { name: 'AWS_ENDPOINT_URL_S3', value: spec.endpoint });
    // An emulator accepts any key and a kind cluster has no AWS identity to offer; AWS endpoints
    // (VPC endpoints included) keep the pod's role.
    if (!isAwsHost(spec.endpoint)) env.push({ name: 'AWS_ACCESS_KEY_ID', value: 'sqsblast' }, { name: 'AWS_SECRET_ACCESS_KEY', value: 'sqsblast' });
  }
  return env;
}

function str(n: number): string {
  return String(n);
}

/** The SQS_BLAST_<FLAG> settings of a load container (every flag reads its variable). */
export function loadEnv(spec: RunSpec, role: Role): Env {
  const env: Env = [
    ...awsEnv(spec),
    { name: 'SQS_BLAST_RUN_ID', value: spec.runId },
    { name: 'SQS_BLAST_SHARDS', value: str(spec.shards) },
    { name: 'SQS_BLAST_QUEUES', value: str(spec.queues) },
    { name: 'SQS_BLAST_QUEUE_PREFIX', value: spec.queuePrefix },
  ];
  if (spec.fifo) env.push({ name: 'SQS_BLAST_FIFO', value: 'true' });
  if (role === 'send') {
    if (spec.total !== undefined) env.push({ name: 'SQS_BLAST_TOTAL', value: str(spec.total) });
    if (spec.duration !== undefined) env.push({ name: 'SQS_BLAST_DURATION', value: str(spec.duration) });
    env.push({ name: 'SQS_BLAST_MESSAGE_SIZE', value: str(spec.messageSize) });
    if (spec.rate !== undefined) env.push({ name: 'SQS_BLAST_RATE', value: str(spec.rate) });
  } else {
    env.push(
      // Leftovers of earlier runs in the same queues are consumed but counted as foreign.
      { name: 'SQS_BLAST_ONLY_RUN_ID', value: spec.runId },
      { name: 'SQS_BLAST_START_TIMEOUT', value: str(spec.startTimeout) },
      { name: 'SQS_BLAST_IDLE_TIMEOUT', value: str(spec.idleTimeout) },
    );
  }
  // A shard's verdict (1: messages failed or missing, 99: a threshold) is a result for the merged
  // report to judge, not a pod failure: the pod exits 0 and the Job neither retries nor fails.
  env.push({ name: 'SQS_BLAST_GATE', value: 'false' });
  if (spec.results) env.push({ name: 'SQS_BLAST_OUT', value: spec.results });
  env.push({ name: 'SQS_BLAST_RESULT_LINE', value: 'true' }, { name: 'SQS_BLAST_PROGRESS_INTERVAL', value: '10' });
  if (spec.metricsPort !== undefined) {
    // Listen on the pod's address, and stay up past two 30 s scrapes so the last one sees the end.
    env.push({ name: 'SQS_BLAST_METRICS_PORT', value: str(spec.metricsPort) }, { name: 'SQS_BLAST_METRICS_HOST', value: '0.0.0.0' }, { name: 'SQS_BLAST_METRICS_LINGER', value: str(METRICS_LINGER_S) });
  }
  // A size the user did not set with --message-size may come as a range or weights (--send-env).
  return withExtraEnv(role, env, role === 'send' ? spec.sendEnv : spec.drainEnv, spec.messageSizeGiven ? [] : ['SQS_BLAST_MESSAGE_SIZE']);
}

/** Seconds a pod keeps /metrics up after its result (a stopped pod does not linger). */
export const METRICS_LINGER_S = 65;

const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/** The setup container's requests (= limits); a pod requests the larger of it and the load's. */
const SETUP_RESOURCES = { cpu: '250m', memory: '256Mi' };

const UNITS: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A Kubernetes quantity (options.ts has checked its form) as a plain number: CPUs or bytes. */
export function quantity(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  return Number(m[1]) * UNITS[m[2] ?? ''];
}

/**
 * What the run's pods request at once, send and drain together: the nodes (a Karpenter
 * NodePool's limits) must hold this. A pod requests the larger of its initContainer's and its
 * load container's, since they never run together.
 */
export function runRequests(spec: RunSpec): { pods: number; cpu: number; memoryGi: number } {
  const pods = 2 * spec.shards;
  const setup = spec.setup === 'init';
  const cpu = Math.max(quantity(spec.cpu), setup ? quantity(SETUP_RESOURCES.cpu) : 0);
  const memory = Math.max(quantity(spec.memory), setup ? quantity(SETUP_RESOURCES.memory) : 0);
  return { pods, cpu: pods * cpu, memoryGi: (pods * memory) / 2 ** 30 };
}

/** `sqs-blast queues create` before the load starts: idempotent, so every pod may run it in any order. */
function setupContainer(spec: RunSpec): Record<string, unknown> {
  const args = ['queues', 'create', '--queues', str(spec.queues), '--queue-prefix', spec.queuePrefix];
  if (spec.fifo) args.push('--fifo');
  if (spec.dlq) args.push('--dlq');
  return {
    name: 'queues',
    image: spec.image,
    args,
    env: awsEnv(spec),
    resources: { requests: SETUP_RESOURCES, limits: SETUP_RESOURCES },
    securityContext: CONTAINER_SECURITY,
  };
}

function podTemplate(spec: RunSpec, role: Role): Record<string, unknown> {
  const nodeSelector: Record<string, string> = { 'kubernetes.io/os': 'linux' };
  if (spec.nodePool) nodeSelector['karpenter.sh/nodepool'] = spec.nodePool;
  return {
    metadata: {
      labels: labels(spec, role),
      // Opt-in only (--do-not-disrupt), and wrong on spot: Karpenter does not evict such pods
      // gracefully and the annotation does not keep a node from being interrupted. The NodePool's
      // disruption budgets keep consolidation and drift off busy nodes instead (k8s/karpenter).
      ...(spec.doNotDisrupt ? { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } } : {}),
    },
    spec: {
      serviceAccountName: SERVICE_ACCOUNTS[role],
      // IRSA and EKS Pod Identity mount their own tokens; the load needs no Kubernetes API.
      automountServiceAccountToken: false,
      restartPolicy: 'Never',
      // On SIGTERM the CLI gives calls in flight --grace (10 s), then writes its result (and its
      // last ledger checkpoint) to S3: 45 s leaves ~30 s for those writes and their retries, and
      // fits a spot reclaim's 2-minute notice, on which Karpenter drains the node.
      terminationGracePeriodSeconds: TERMINATION_GRACE_S,
      nodeSelector,
      ...(spec.nodePool ? { tolerations: [{ key: LOAD_TAINT, operator: 'Exists', effect: 'NoSchedule' }] } : {}),
      ...(spec.imagePullSecrets.length ? { imagePullSecrets: spec.imagePullSecrets.map((name) => ({ name })) } : {}),
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      ...(spec.setup === 'init' ? { initContainers: [setupContainer(spec)] } : {}),
      containers: [
        {
          name: MAIN_CONTAINER,
          image: spec.image,
          args: [role],
          env: [...loadEnv(spec, role), ...ATTEMPT_ENV],
          ...(spec.metricsPort !== undefined ? { ports: [{ name: 'metrics', containerPort: spec.metricsPort, protocol: 'TCP' }] } : {}),
          resources: { requests: { cpu: spec.cpu, memory: spec.memory }, limits: { cpu: spec.cpu, memory: spec.memory } },
          securityContext: CONTAINER_SECURITY,
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        },
      ],
      volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
    },
  };
}

/** Seconds a stopped load pod has for --grace (10 s) and writing its result to S3. */
export const TERMINATION_GRACE_S = 45;

/**
 * What a failed pod means. A verdict never fails a pod (SQS_BLAST_GATE=false), so what is left:
 * - evicted by a spot reclaim, a drain or preemption (DisruptionTarget): not the run's fault, the
 *   index runs again and is not counted. With results in S3 (--results, the run's ledger) a
 *   re-run send index resumes after what its earlier attempts sent, as checkpointed; without it,
 *   it re-sends its slice (the report shows the duplicates);
 * - exit 2 of the load container, bad configuration: no retry will fix it, so the whole Job fails
 *   at once (its other pods are stopped). Only the load container: the queue setup exits 2 on any
 *   setup error, a throttle included, and one throttled pod must not stop all the others;
 * - anything else (a failed queue setup, a crash, an OOM kill): counted against
 *   backoffLimitPerIndex, then that index fails while the others run on. No maxFailedIndexes: one
 *   bad index never stops the rest.
 */
export const POD_FAILURE_POLICY = {
  rules: [
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
    { action: 'FailJob', onExitCodes: { containerName: MAIN_CONTAINER, operator: 'In', values: [2] } },
  ],
};

function job(spec: RunSpec, role: Role): K8sObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName(spec.runId, role), namespace: spec.namespace, labels: labels(spec, role) },
    spec: {
      completionMode: 'Indexed',
      completions: spec.shards,
      parallelism: spec.shards,
      // A drain retry finds only what is left, so it may try twice; a send retry resumes from the
      // ledger with --results, and re-sends its slice (duplicates) without.
      backoffLimitPerIndex: role === 'send' ? 1 : 2,
      podFailurePolicy: POD_FAILURE_POLICY,
      ttlSecondsAfterFinished: spec.ttlAfterFinished,
      template: podTemplate(spec, role),
    },
  };
}

function serviceAccount(spec: RunSpec, role: Role): K8sObject {
  const arn = role === 'send' ? spec.sendRoleArn : spec.drainRoleArn;
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: SERVICE_ACCOUNTS[role],
      namespace: spec.namespace,
      labels: labels(spec),
      ...(arn ? { annotations: { 'eks.amazonaws.com/role-arn': arn } } : {}),
    },
    automountServiceAccountToken: false,
  };
}

const SA_COMMENT = `Send and drain have separate identities (policies: k8s/iam/ in the repository): producers cannot receive or
delete, consumers cannot send. IRSA: --send-role-arn/--drain-role-arn annotate these.
EKS Pod Identity: leave the annotations out and associate each name with its role:
  aws eks create-pod-identity-association --cluster-name CLUSTER --namespace NS \\
    --service-account sqs-blast-send --role-arn arn:aws:iam::ACCOUNT:role/sqs-blast-send`;

export function runManifests(spec: RunSpec): Manifest[] {
  const out: Manifest[] = [{ object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: spec.namespace, labels: labels(spec) } } }];
  if (spec.serviceAccounts) {
    out.push({ comment: SA_COMMENT, object: serviceAccount(spec, 'send') }, { object: serviceAccount(spec, 'drain') });
  }
  const setup = spec.setup === 'init' ? 'Its initContainer creates the queues if missing (idempotent: every pod may, in any order).\n' : '';
  out.push(
    {
      comment: `Send: ${spec.shards} pods, shard i sends its exact slice (JOB_COMPLETION_INDEX = i).\n${setup}Exit 2 of the load fails the Job; a failed setup or crash retries the index; evictions retry it uncounted; verdicts are judged by the merged report.`,
      object: job(spec, 'send'),
    },
    {
      comment: `Drain: ${spec.shards} pods waiting up to ${spec.startTimeout} s for the first message, then done after ${spec.idleTimeout} s without one.`,
      object: job(spec, 'drain'),
    },
  );
  return out;
}
