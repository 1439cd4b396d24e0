/**
 * The cluster, through kubectl. Not @kubernetes/client-node: kubectl already uses the user's
 * kubeconfig, current context and exec auth plugins (`aws eks get-token`, SSO, OIDC) exactly as
 * they work in the user's shell, and it adds no dependency to the package. Every call is one
 * kubectl process; the few `k8s run` makes (an apply, a poll every few seconds) cost nothing next
 * to a load test.
 */
import { spawn } from 'node:child_process';
import { UsageError } from '../errors.js';
import { RUN_ID_LABEL } from './manifests.js';

export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Pods of the run by phase (status.phase). */
export interface PodCounts {
  Pending: number;
  Running: number;
  Succeeded: number;
  Failed: number;
}

export interface JobState {
  name: string;
  uid: string;
  /** Complete or Failed (a condition with status True), else undefined: still running or suspended. */
  finished?: 'Complete' | 'Failed';
}

/** The fields of a Pod or Job object this reads (kubectl get -o json). */
interface KubeObject {
  metadata?: { name?: string; uid?: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

const lastLine = (s: string) => s.trim().split('\n').filter(Boolean).pop() ?? '';

export class Kubectl {
  constructor(
    /** The kubectl executable (--kubectl), found on PATH unless a path. */
    readonly bin: string,
    readonly namespace: string,
  ) {}

  /** One kubectl call; a kubectl that cannot be started is one line naming --kubectl. */
  run(args: string[], input?: string): Promise<KubectlRun> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (c) => (stdout += c));
      child.stderr!.on('data', (c) => (stderr += c));
      child.on('error', (e: NodeJS.ErrnoException) => {
        reject(
          e.code === 'ENOENT' || e.code === 'EACCES'
            ? new UsageError(`--kubectl ${this.bin}: cannot run it (${e.code}); install kubectl (https://kubernetes.io/docs/tasks/tools/) or give its path with --kubectl PATH`)
            : e,
        );
      });
      child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
      if (input !== undefined) {
        // kubectl may exit before reading all of stdin (a bad context): its exit code tells.
        child.stdin!.on('error', () => {});
        child.stdin!.end(input);
      }
    });
  }

  /** A call that must succeed: else one line with kubectl's own last word (exit 2: nothing ran). */
  private async must(args: string[], what: string, input?: string): Promise<string> {
    const r = await this.run(args, input);
    if (r.code !== 0) throw new UsageError(`kubectl ${what} failed (exit ${r.code}): ${lastLine(r.stderr) || lastLine(r.stdout) || 'no output'}; check the context (kubectl config current-context) and your access`);
    return r.stdout;
  }

  apply(yaml: string): Promise<string> {
    return this.must(['apply', '-f', '-'], 'apply -f -', yaml);
  }

  private selector(runId: string): string[] {
    return ['-n', this.namespace, '-l', `${RUN_ID_LABEL}=${runId}`];
  }

  private async list(kind: 'pods' | 'jobs', runId: string): Promise<KubeObject[]> {
    const out = await this.must(['get', kind, ...this.selector(runId), '-o', 'json'], `get ${kind}`);
    try {
      return (JSON.parse(out) as { items?: KubeObject[] }).items ?? [];
    } catch {
      throw new Error(`kubectl get ${kind} -o json printed no JSON: ${lastLine(out)}`);
    }
  }

  async pods(runId: string): Promise<PodCounts> {
    const counts: PodCounts = { Pending: 0, Running: 0, Succeeded: 0, Failed: 0 };
    for (const p of await this.list('pods', runId)) {
      const phase = String(p.status?.phase ?? 'Pending') as keyof PodCounts;
      if (phase in counts) counts[phase]++;
    }
    return counts;
  }

  async jobs(runId: string): Promise<JobState[]> {
    return (await this.list('jobs', runId)).map((j) => {
      const done = (j.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
      return { name: String(j.metadata?.name), uid: String(j.metadata?.uid ?? ''), finished: done?.type as JobState['finished'] };
    });
  }

  /** Suspend a Job: the controller stops its pods (SIGTERM, then their grace), which write their results. */
  suspend(job: string): Promise<string> {
    return this.must(['patch', 'job', job, '-n', this.namespace, '--type', 'merge', '-p', '{"spec":{"suspend":true}}'], `patch job ${job}`);
  }

  /** The run's Jobs (and so their pods) and ConfigMaps; the shared ServiceAccounts and Namespace stay. */
  deleteRun(runId: string): Promise<string> {
    return this.must(['delete', 'job,configmap', ...this.selector(runId), '--ignore-not-found'], 'delete job,configmap');
  }
}
