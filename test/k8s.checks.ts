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
import type { Doc } from './k8s.contract.js';
import type { SimContainer } from './k8s.sim.js';

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

/** Verdicts (1, 99) never fail a pod, index or Job; bad configuration (2) fails the Job at once. */
export function checkFailurePolicy(policy: { rules: any[] }): void {
  expect(policy.rules[0]).toEqual({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] });
  const failJob = policy.rules.filter((r) => r.action === 'FailJob');
  // No containerName: the queue-setup initContainer's exit 2 counts too.
  expect(failJob).toEqual([{ action: 'FailJob', onExitCodes: { operator: 'In', values: [2] } }]);
  for (const r of policy.rules.filter((x) => x.onExitCodes)) {
    expect(r.onExitCodes.operator, 'NotIn would catch 1 and 99').toBe('In');
    expect(r.onExitCodes.values).not.toContain(1);
    expect(r.onExitCodes.values).not.toContain(99);
  }
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
