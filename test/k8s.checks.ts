/** Checks shared by the manifest tests: schemas, the failure policy, pod hardening. */
import { expect } from 'vitest';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { NodePool } from '@kubernetes-models/karpenter/karpenter.sh/v1';
import { EC2NodeClass } from '@kubernetes-models/karpenter/karpenter.k8s.aws/v1';
import { ScaledJob, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { buildCli } from '../src/cli/commands.js';
import { resolveConfig } from '../src/config.js';
import { attemptIdentity } from '../src/config/attempt.js';
import type { Doc } from './k8s.contract.js';
import { podContainers, type SimContainer } from './k8s.sim.js';

const MODELS: Record<string, new (d: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'karpenter.sh/v1/NodePool': NodePool,
  'karpenter.k8s.aws/v1/EC2NodeClass': EC2NodeClass,
  'keda.sh/v1alpha1/ScaledJob': ScaledJob,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

export function validate(docs: Doc[]): void {
  for (const d of docs) {
    const Model = MODELS[`${d.apiVersion}/${d.kind}`];
    expect(Model, `no schema for ${d.apiVersion}/${d.kind}`).toBeDefined();
    expect(() => new Model(d).validate(), `${d.kind}/${d.metadata.name}`).not.toThrow();
  }
}

/**
 * Verdicts (1, 99) never fail a pod, index or Job; bad configuration (2) of the load container
 * fails the Job at once, and only of that container: the queue setup's exit 2 (a throttle too)
 * fails its pod, never the Job.
 */
export function checkFailurePolicy(policy: { rules: any[] }, pod: { initContainers?: any[]; containers: any[] }): void {
  expect(policy.rules[0]).toEqual({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] });
  const failJob = policy.rules.filter((r) => r.action === 'FailJob');
  expect(failJob).toEqual([{ action: 'FailJob', onExitCodes: { containerName: 'sqs-blast', operator: 'In', values: [2] } }]);
  // The container named is the load, not an initContainer (unnamed, the rule would match those too).
  expect(pod.containers.map((c) => c.name)).toContain(failJob[0].onExitCodes.containerName);
  expect((pod.initContainers ?? []).map((c) => c.name)).not.toContain(failJob[0].onExitCodes.containerName);
  for (const r of policy.rules.filter((x) => x.onExitCodes)) {
    expect(r.onExitCodes.operator, 'NotIn would catch 1 and 99').toBe('In');
    expect(r.onExitCodes.values).not.toContain(1);
    expect(r.onExitCodes.values).not.toContain(99);
  }
}

/** Pods Karpenter may evict gracefully: no karpenter.sh/do-not-disrupt (wrong on spot). */
export function checkDisruptable(template: { metadata?: { annotations?: Record<string, string> } }): void {
  expect(template.metadata?.annotations?.['karpenter.sh/do-not-disrupt'], 'do-not-disrupt is opt-in only').toBeUndefined();
}

/**
 * The ledger's attempt identity in the load container, read as the CLI reads it: a retried
 * index is a new pod (name <job>-<index>-<random5>, a new uid) of the same Job (controller uid),
 * its hostname unchanged.
 */
export function checkAttemptIdentity(job: Doc, docs: Doc[], index = 0): void {
  const main = (attempt: number) => podContainers(job, docs, index, attempt).find((c) => !c.init)!;
  const [first, retry] = [main(0), main(1)];
  const a = attemptIdentity(first.env);
  const b = attemptIdentity(retry.env);
  expect(a.pod).toMatch(new RegExp(`^${job.metadata.name}-${index}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
  expect(a.pod).toBe(first.env.POD_NAME);
  expect(a.podUid).toMatch(/^[0-9a-f-]{36}$/);
  expect(a.controllerUid).toMatch(/^[0-9a-f-]{36}$/);
  expect(b.pod).not.toBe(a.pod);
  expect(b.podUid).not.toBe(a.podUid);
  expect(b.controllerUid).toBe(a.controllerUid);
  expect(retry.env.HOSTNAME).toBe(first.env.HOSTNAME);
  expect(first.env.HOSTNAME).toBe(`${job.metadata.name}-${index}`);
  // The same pod asked for twice is the same pod.
  expect(attemptIdentity(main(0).env)).toEqual(a);
}

export function checkPodSecurity(spec: any): void {
  expect(spec.restartPolicy).toBe('Never');
  expect(spec.automountServiceAccountToken).toBe(false);
  expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    expect(c.securityContext, c.name).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources.limits, c.name).toBeDefined();
  }
}


/** What `sqs-blast queues …` in this container would resolve (it throws a UsageError: exit 2). */
export async function queuesConfig(c: SimContainer) {
  let argv: Record<string, unknown> | undefined;
  const none = async () => {};
  await buildCli(c.args, { load: none, report: none, local: none, queues: async (_a, a) => void (argv = a) }).parseAsync();
  expect(argv, `${c.name} does not run sqs-blast queues`).toBeDefined();
  return resolveConfig('queues', argv!, c.env);
}
