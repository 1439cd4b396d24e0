/**
 * Who this process is in the run's ledger: one *attempt* of its shard. A Job controller retries
 * an index with a new pod (a new name and uid) under the same controller uid; a second `kubectl
 * apply` of the same run after the Job's TTL is another controller uid under the same run id.
 * The pods get these from the downward API (k8s/base/job-*.yaml, src/k8s/manifests.ts):
 * POD_NAME (metadata.name), POD_UID (metadata.uid) and JOB_CONTROLLER_UID (the label
 * batch.kubernetes.io/controller-uid). Outside Kubernetes a process is its host and pid.
 *
 * Read from the environment when the config is resolved (config.ts), and recorded in every result
 * (result/document.ts), so it sits with the config, below both; the ledger (ledger/) uses it.
 */
import { hostname } from 'node:os';

export interface AttemptIdentity {
  /** The pod's name (a retried index gets a new one), or host-pid outside Kubernetes. */
  pod: string;
  podUid?: string;
  /** The Job's uid: one apply of the run. Undefined outside Kubernetes. */
  controllerUid?: string;
}

/** What a result document says of the attempt it records (Result.attempt). */
export interface AttemptRecord extends AttemptIdentity {
  /** False while the process runs (a checkpoint): a killed attempt's object stays that way. */
  final: boolean;
  /** Checkpoints written before this document (0 for a final result without any). */
  checkpoints: number;
  /** Epoch ms this document was written. */
  at: number;
  /** A send that continued after earlier attempts of its shard: the first seq it sent. */
  resumedFrom?: number;
}

export function attemptIdentity(env: NodeJS.ProcessEnv = process.env): AttemptIdentity {
  const clean = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
  return {
    pod: clean(env.POD_NAME) ?? `${hostname()}-${process.pid}`,
    podUid: clean(env.POD_UID),
    controllerUid: clean(env.JOB_CONTROLLER_UID),
  };
}
