/**
 * A pod of an Indexed Job, the way the kubelet would start it, without a cluster: the pod's
 * metadata as the Job controller sets it, each container's environment resolved as Kubernetes
 * resolves it (envFrom ConfigMaps, then env in order, $(VAR) references to what came before,
 * fieldRefs to the pod's metadata (a new pod name and uid per attempt, one controller uid per
 * applied Job), JOB_COMPLETION_INDEX injected for Indexed Jobs), and args
 * expanded the same way. Plus a recording proxy that notes which AWS actions a process calls.
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { envArgs } from '../src/cli/commands.js';
import type { Doc } from './k8s.contract.js';
import { runCli, type CliRun } from './helpers.js';

export interface SimContainer {
  name: string;
  init: boolean;
  /** The container's command when it overrides the image's ENTRYPOINT (the sqs-blast CLI). */
  command?: string[];
  args: string[];
  env: Record<string, string>;
}

const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';

/** The uid the API server gives a Job when it is created: one per apply of a Job object. */
const controllerUids = new WeakMap<Doc, string>();

function controllerUid(job: Doc): string {
  if (job.metadata.uid) return job.metadata.uid as string;
  let uid = controllerUids.get(job);
  if (!uid) controllerUids.set(job, (uid = randomUUID()));
  return uid;
}

/** A stable digest of one pod attempt: the same pod is the same pod however often it is asked for. */
function digest(...parts: Array<string | number>): Buffer {
  return createHash('sha256').update(parts.join('/')).digest();
}

function uuidOf(d: Buffer): string {
  const h = d.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// The alphabet of generateName suffixes (k8s.io/apimachinery/pkg/util/rand: no vowels, no 0/1/3).
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Pod metadata as the Job controller writes it for attempt `attempt` of index `index`: every
 * attempt is a new pod, <job>-<index>-<random5> with a uid of its own, under the Job's one
 * controller uid (a retried index does not change the Job).
 */
function podMetadata(job: Doc, template: Doc['metadata'] & { labels?: Record<string, string>; annotations?: Record<string, string> }, index: number, attempt: number) {
  const jobUid = controllerUid(job);
  const d = digest(jobUid, index, attempt);
  const suffix = Array.from(d.subarray(16, 21), (b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join('');
  return {
    name: `${job.metadata.name}-${index}-${suffix}`,
    uid: uuidOf(d),
    namespace: job.metadata.namespace ?? 'default',
    labels: {
      ...(template.labels ?? {}),
      [CONTROLLER_UID_LABEL]: jobUid,
      'controller-uid': jobUid,
      'batch.kubernetes.io/job-name': job.metadata.name,
      'job-name': job.metadata.name,
      [INDEX_ANNOTATION]: String(index),
    },
    annotations: { ...(template.annotations ?? {}), [INDEX_ANNOTATION]: String(index) },
  };
}

/** `$(VAR)` → its value when defined before, `$$` → `$`, anything else untouched (Kubernetes' rules). */
export function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) =>
    name === undefined ? '$' : Object.hasOwn(env, name) ? env[name] : m,
  );
}

function fieldRef(path: string, meta: ReturnType<typeof podMetadata>, spec: Record<string, any>): string {
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) return (meta[keyed[1] as 'labels' | 'annotations'] as Record<string, string>)[keyed[2]] ?? '';
  if (path === 'metadata.name') return meta.name;
  if (path === 'metadata.uid') return meta.uid;
  if (path === 'metadata.namespace') return meta.namespace;
  if (path === 'spec.serviceAccountName') return spec.serviceAccountName;
  throw new Error(`fieldRef ${path} is not simulated`);
}

function configMap(docs: Doc[], name: string): Record<string, string> {
  const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === name);
  if (!cm) throw new Error(`ConfigMap ${name} is referenced but not rendered`);
  return cm.data ?? {};
}

/**
 * The containers (initContainers first, in order) of pod `index` of an Indexed Job, in its
 * `attempt`-th pod (0: the first; each retry of the index is a new pod with a new name and uid).
 */
export function podContainers(job: Doc, docs: Doc[], index: number, attempt = 0): SimContainer[] {
  if (job.spec.completionMode !== 'Indexed') throw new Error(`${job.metadata.name} is not an Indexed Job`);
  if (index >= job.spec.completions) throw new Error(`index ${index} is beyond completions ${job.spec.completions}`);
  const spec = job.spec.template.spec;
  const meta = podMetadata(job, job.spec.template.metadata ?? {}, index, attempt);
  const containers = [...(spec.initContainers ?? []).map((c: any) => ({ c, init: true })), ...spec.containers.map((c: any) => ({ c, init: false }))];
  return containers.map(({ c, init }) => {
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef) Object.assign(env, configMap(docs, from.configMapRef.name));
    }
    // The Job controller adds this to every container of an Indexed Job's pods.
    const declared = [...(c.env ?? [])];
    if (!declared.some((e: any) => e.name === 'JOB_COMPLETION_INDEX')) {
      declared.unshift({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${INDEX_ANNOTATION}']` } } });
    }
    for (const e of declared) {
      if (e.value !== undefined) env[e.name] = expand(String(e.value), env);
      else if (e.valueFrom?.fieldRef) env[e.name] = fieldRef(e.valueFrom.fieldRef.fieldPath, meta, spec);
      else if (e.valueFrom?.configMapKeyRef) env[e.name] = configMap(docs, e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key];
      else throw new Error(`env ${e.name} of ${c.name}: source not simulated`);
    }
    // An Indexed Job's pod is hostnamed <job>-<index> in every attempt (its name is not).
    env.HOSTNAME = `${job.metadata.name}-${index}`;
    return {
      name: c.name,
      init,
      command: c.command?.map((a: string) => expand(a, env)),
      args: (c.args ?? []).map((a: string) => expand(String(a), env)),
      env,
    };
  });
}

/** True when some sqs-blast command reads this SQS_BLAST_* variable (a typo is exit 2 in a pod). */
export function cliKnows(name: string): boolean {
  try {
    envArgs('drain', {}, { [name]: '1' });
    return true;
  } catch {
    return false;
  }
}

export interface PodRun {
  containers: Array<{ name: string; run: CliRun }>;
  /** What `kubectl logs` shows for the pod: its main container's output. */
  logs: string;
}

/** A container whose command replaces the image's ENTRYPOINT; only `node …` is simulated. */
function runCommand(command: string[], args: string[], env: Record<string, string>): Promise<CliRun> {
  if (command[0] !== 'node') throw new Error(`command ${command[0]} is not simulated`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...command.slice(1), ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * One pod, the kubelet's way: each initContainer run to success in order, then the load. `env`
 * gives each container the environment its process gets (the pod's, with the endpoint changed).
 */
export async function runPod(containers: SimContainer[], env: (c: SimContainer) => Record<string, string>): Promise<PodRun> {
  const pod: PodRun = { containers: [], logs: '' };
  for (const c of containers) {
    // Without a command the image's ENTRYPOINT runs: the sqs-blast CLI.
    const run = c.command ? await runCommand(c.command, c.args, env(c)) : await runCli(c.args, { env: env(c) });
    pod.containers.push({ name: c.name, run });
    if (!c.init) pod.logs = `${run.stderr}${run.stdout}`;
    if (run.code !== 0) break; // a failed initContainer fails the pod (restartPolicy: Never)
  }
  return pod;
}

/**
 * The IAM action that authorizes a recorded call: an SQS API name (batch calls share their single
 * call's action), or an S3 request as `METHOD /bucket[/key]` (listing, and HeadBucket, need
 * s3:ListBucket; object reads and writes s3:GetObject / s3:PutObject).
 */
export function iamAction(call: string): string {
  const s3 = /^(HEAD|GET|PUT|POST|DELETE) \/([^/]+)\/?(.+)?$/.exec(call);
  if (!s3) return `sqs:${call.replace(/Batch$/, '')}`;
  const [, method, , key] = s3;
  if (!key) return method === 'HEAD' || method === 'GET' ? 's3:ListBucket' : `s3:${method}Bucket`;
  return method === 'PUT' ? 's3:PutObject' : method === 'GET' || method === 'HEAD' ? 's3:GetObject' : `s3:${method}Object`;
}

/**
 * An HTTP proxy to `upstream` that records the SQS action (X-Amz-Target) of every request.
 * `answer`, when given, may answer a request itself (returning true) instead of forwarding it.
 */
export class CallRecorder {
  readonly calls = new Set<string>();
  private server?: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true });
  port = 0;

  constructor(
    private readonly upstream: string,
    private readonly answer?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      this.calls.add(target ? target.replace(/^AmazonSQS\./, '') : `${req.method} ${req.url?.split('?')[0]}`);
      if (this.answer?.(req, res)) return;
      const up = new URL(this.upstream);
      const forwarded = http.request(
        { agent: this.agent, hostname: up.hostname, port: up.port, path: req.url, method: req.method, headers: { ...req.headers, host: up.host } },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        },
      );
      forwarded.on('error', () => res.destroy());
      req.pipe(forwarded);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
