/**
 * A fake cluster for `sqs-blast k8s run|delete`, served over loopback HTTP to the kubectl
 * stand-in (test/kubectl-standin/kubectl, which forwards its argv and stdin here). It keeps what
 * was applied, runs each Indexed Job's pods as local processes with exactly their environment
 * (test/k8s.sim.ts podContainers: a new pod name and uid per attempt, the Job's uid as controller
 * uid), retries a failed index as the Job controller does (backoffLimitPerIndex, exit 2 fails the
 * Job), answers `get pods|jobs -o json` with status.phase and Job conditions, stops the pods of a
 * suspended Job with SIGTERM, and deletes. Only what sqs-blast calls is understood.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseDocs, type Doc } from './k8s.contract.js';
import { podContainers } from './k8s.sim.js';
import { runCli, type CliRun } from './helpers.js';

/** The folder of the kubectl stand-in: put it first on PATH. */
export const STANDIN_DIR = fileURLToPath(new URL('./kubectl-standin/', import.meta.url));

type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface FakePod {
  name: string;
  uid: string;
  job: FakeJob;
  index: number;
  attempt: number;
  phase: Phase;
  child?: ChildProcess;
  done: Promise<CliRun>;
  /** Set when the cluster itself stopped it (suspend, delete): not a failure to retry. */
  stopped?: boolean;
}

export interface FakeJob {
  doc: Doc;
  docs: Doc[];
  uid: string;
  suspended: boolean;
  /** Failed attempts per index, against backoffLimitPerIndex. */
  failures: Map<number, number>;
  succeeded: Set<number>;
  failedIndexes: Set<number>;
  condition?: 'Complete' | 'Failed';
}

const answer = (code: number, stdout = '', stderr = '') => ({ code, stdout, stderr });

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function matches(labels: Record<string, string>, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return labels[k] === v;
  });
}

export class FakeCluster {
  readonly jobs = new Map<string, FakeJob>();
  readonly pods: FakePod[] = [];
  /** Every kubectl call, as argv, for assertions. */
  readonly calls: string[][] = [];
  private server?: http.Server;
  url = '';

  constructor(
    /** The environment every pod process gets on top of its own (e.g. nothing; the endpoint is rendered). */
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { args, stdin } = JSON.parse(body) as { args: string[]; stdin: string };
        this.calls.push(args);
        let out;
        try {
          out = this.kubectl(args, stdin);
        } catch (e) {
          out = answer(1, '', `error: ${(e as Error).message}\n`);
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(out));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stop every pod still running and the server. */
  async stop(): Promise<void> {
    for (const p of this.pods) this.stopPod(p, 'SIGKILL');
    await Promise.allSettled(this.pods.map((p) => p.done));
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The environment a CLI process needs to use this cluster through the stand-in on PATH. */
  env(): Record<string, string> {
    return { FAKE_KUBE_URL: this.url, PATH: `${STANDIN_DIR}:${process.env.PATH ?? ''}` };
  }

  podsOf(runId: string): FakePod[] {
    return this.pods.filter((p) => p.job.doc.metadata.labels?.['sqs-blast/run-id'] === runId);
  }

  /** Kill a pod's process the way a spot reclaim or the OOM killer does: the Job controller then retries its index. */
  kill(pod: FakePod, signal: NodeJS.Signals = 'SIGKILL'): void {
    pod.child?.kill(signal);
  }

  private kubectl(args: string[], stdin: string) {
    const [verb] = args;
    if (verb === 'apply' && flag(args, '-f') === '-') return this.apply(stdin);
    if (verb === 'get' && flag(args, '-o') === 'json') return this.get(args[1], flag(args, '-n') ?? 'default', flag(args, '-l'));
    if (verb === 'patch' && args[1] === 'job') return this.patch(args[2], flag(args, '-n') ?? 'default', flag(args, '-p') ?? '{}');
    if (verb === 'delete') return this.delete(args[1], flag(args, '-n') ?? 'default', flag(args, '-l'));
    return answer(1, '', `error: the fake cluster does not know "kubectl ${args.join(' ')}"\n`);
  }

  private apply(yaml: string) {
    const docs = parseDocs(yaml);
    const lines: string[] = [];
    for (const d of docs) {
      const kind = d.kind === 'Job' ? 'job.batch' : d.kind.toLowerCase();
      if (d.kind !== 'Job') {
        lines.push(`${kind}/${d.metadata.name} configured`);
        continue;
      }
      const key = `${d.metadata.namespace ?? 'default'}/${d.metadata.name}`;
      if (this.jobs.has(key)) {
        lines.push(`${kind}/${d.metadata.name} unchanged`);
        continue;
      }
      const job: FakeJob = { doc: d, docs, uid: randomUUID(), suspended: Boolean(d.spec.suspend), failures: new Map(), succeeded: new Set(), failedIndexes: new Set() };
      this.jobs.set(key, job);
      lines.push(`${kind}/${d.metadata.name} created`);
      if (!job.suspended) for (let i = 0; i < d.spec.completions; i++) this.startPod(job, i, 0);
    }
    return answer(0, lines.join('\n') + '\n');
  }

  /** Attempt `attempt` of index `index`: init containers to success, then the load, as the kubelet runs them. */
  private startPod(job: FakeJob, index: number, attempt: number): void {
    const applied = { ...job.doc, metadata: { ...job.doc.metadata, uid: job.uid } };
    const containers = podContainers(applied, job.docs, index, attempt);
    const main = containers.find((c) => !c.init)!;
    const pod = { name: main.env.POD_NAME, uid: main.env.POD_UID, job, index, attempt, phase: 'Pending' } as FakePod;
    pod.done = (async () => {
      for (const c of containers.filter((x) => x.init)) {
        if (pod.stopped) return { code: 143, signal: null, stdout: '', stderr: '' };
        const r = await runCli(c.args, { env: { ...c.env, ...this.extraEnv }, onSpawn: (child) => ((pod.child = child), (pod.phase = 'Running')) });
        if (r.code !== 0) return r;
      }
      if (pod.stopped) return { code: 143, signal: null, stdout: '', stderr: '' };
      return runCli(main.args, {
        env: { ...main.env, ...this.extraEnv },
        timeoutMs: 120_000,
        onSpawn: (child) => {
          pod.child = child;
          pod.phase = 'Running';
        },
      });
    })();
    void pod.done.then((r) => this.exited(pod, r));
    this.pods.push(pod);
  }

  /** The Job controller's part: count the outcome, retry a failed index, set the Job's condition. */
  private exited(pod: FakePod, r: CliRun): void {
    pod.phase = r.code === 0 ? 'Succeeded' : 'Failed';
    const job = pod.job;
    if (pod.stopped || job.condition) return;
    if (r.code === 0) job.succeeded.add(pod.index);
    else if (r.code === 2) {
      // podFailurePolicy: exit 2 of the load (bad input) fails the Job at once.
      this.finish(job, 'Failed');
      return;
    } else {
      const failures = (job.failures.get(pod.index) ?? 0) + 1;
      job.failures.set(pod.index, failures);
      if (failures > (job.doc.spec.backoffLimitPerIndex ?? 0)) job.failedIndexes.add(pod.index);
      else this.startPod(job, pod.index, pod.attempt + 1);
    }
    if (job.succeeded.size + job.failedIndexes.size === job.doc.spec.completions) this.finish(job, job.failedIndexes.size ? 'Failed' : 'Complete');
  }

  private finish(job: FakeJob, condition: 'Complete' | 'Failed'): void {
    job.condition = condition;
    for (const p of this.pods) if (p.job === job) this.stopPod(p, 'SIGTERM');
  }

  private stopPod(p: FakePod, signal: NodeJS.Signals): void {
    if (p.phase !== 'Pending' && p.phase !== 'Running') return;
    p.stopped = true;
    p.child?.kill(signal);
  }

  private jobsIn(ns: string, selector?: string): FakeJob[] {
    return [...this.jobs.values()].filter((j) => (j.doc.metadata.namespace ?? 'default') === ns && matches(j.doc.metadata.labels ?? {}, selector));
  }

  private get(kind: string, ns: string, selector?: string) {
    const jobs = this.jobsIn(ns, selector);
    if (kind === 'jobs' || kind === 'job') {
      const items = jobs.map((j) => ({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: j.doc.metadata.name, namespace: ns, uid: j.uid, labels: j.doc.metadata.labels },
        spec: { ...j.doc.spec, suspend: j.suspended },
        status: {
          active: this.pods.filter((p) => p.job === j && (p.phase === 'Running' || p.phase === 'Pending')).length,
          succeeded: j.succeeded.size,
          failed: [...j.failures.values()].reduce((a, b) => a + b, 0),
          conditions: [
            ...(j.suspended ? [{ type: 'Suspended', status: 'True', reason: 'JobSuspended' }] : []),
            ...(j.condition ? [{ type: j.condition, status: 'True' }] : []),
          ],
        },
      }));
      return answer(0, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    }
    if (kind === 'pods' || kind === 'pod') {
      const items = this.pods
        .filter((p) => jobs.includes(p.job))
        .map((p) => ({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: p.name, namespace: ns, uid: p.uid, labels: { ...(p.job.doc.spec.template.metadata?.labels ?? {}), 'job-name': p.job.doc.metadata.name } },
          status: { phase: p.phase },
        }));
      return answer(0, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    }
    return answer(1, '', `error: the server doesn't have a resource type "${kind}"\n`);
  }

  private patch(name: string, ns: string, patch: string) {
    const job = this.jobs.get(`${ns}/${name}`);
    if (!job) return answer(1, '', `Error from server (NotFound): jobs.batch "${name}" not found\n`);
    const suspend = (JSON.parse(patch) as { spec?: { suspend?: boolean } }).spec?.suspend;
    if (suspend) {
      job.suspended = true;
      // A suspended Job's active pods are deleted: SIGTERM, then their grace.
      for (const p of this.pods) if (p.job === job) this.stopPod(p, 'SIGTERM');
    }
    return answer(0, `job.batch/${name} patched\n`);
  }

  private delete(kinds: string, ns: string, selector?: string) {
    const lines: string[] = [];
    if (kinds.split(',').includes('job')) {
      for (const job of this.jobsIn(ns, selector)) {
        this.jobs.delete(`${ns}/${job.doc.metadata.name}`);
        for (const p of this.pods) if (p.job === job) this.stopPod(p, 'SIGTERM');
        lines.push(`job.batch "${job.doc.metadata.name}" deleted`);
      }
    }
    return answer(0, lines.length ? lines.join('\n') + '\n' : '');
  }
}
