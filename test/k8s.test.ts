import { describe, expect, it } from 'vitest';
import { ConfigMap, Namespace, ServiceAccount } from 'kubernetes-models/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { NodePool } from '@kubernetes-models/karpenter/karpenter.sh/v1';
import { EC2NodeClass } from '@kubernetes-models/karpenter/karpenter.k8s.aws/v1';
import { ScaledJob, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { resolveConfig } from '../src/config.js';
import { buildCli, envArgs } from '../src/cli.js';
import { find, KUBECTL, render, type Doc } from './k8s.contract.js';

const MODELS: Record<string, new (d: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'batch/v1/Job': Job,
  'karpenter.sh/v1/NodePool': NodePool,
  'karpenter.k8s.aws/v1/EC2NodeClass': EC2NodeClass,
  'keda.sh/v1alpha1/ScaledJob': ScaledJob,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

function validate(docs: Doc[]): void {
  for (const d of docs) {
    const Model = MODELS[`${d.apiVersion}/${d.kind}`];
    expect(Model, `no schema for ${d.apiVersion}/${d.kind}`).toBeDefined();
    expect(() => new Model(d).validate(), `${d.kind}/${d.metadata.name}`).not.toThrow();
  }
}

function checkPod(spec: any, command: string): void {
  expect(spec.restartPolicy).toBe('Never');
  expect(spec.serviceAccountName).toBe('sqs-blast');
  expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
  const [c] = spec.containers;
  expect(c.args[0]).toBe(command);
  expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  expect(c.resources).toEqual({ requests: { cpu: '1500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } });
  expect(c.envFrom).toEqual([{ configMapRef: { name: 'sqs-blast' } }]);
  expect(c.image).toMatch(/^sqs-blast:/);
}

describe('Kubernetes manifests (rendered offline)', () => {
  it(`renders the base with ${KUBECTL ? 'kubectl kustomize' : 'the resource list'} and every object passes its schema`, () => {
    const docs = render('base');
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(
      ['ConfigMap/sqs-blast', 'Job/sqs-blast-drain', 'Job/sqs-blast-send', 'Namespace/sqs-blast', 'ServiceAccount/sqs-blast'].sort(),
    );
    validate(docs);
    if (KUBECTL) for (const d of docs.filter((x) => x.kind !== 'Namespace')) expect(d.metadata.namespace).toBe('sqs-blast');
  });

  it('runs Indexed Jobs whose shard count matches the ConfigMap, as the seed post sized them', () => {
    const docs = render('base');
    const cm = find(docs, 'ConfigMap', 'sqs-blast');
    for (const [name, command] of [['sqs-blast-send', 'send'], ['sqs-blast-drain', 'drain']]) {
      const job = find(docs, 'Job', name);
      expect(job.spec).toMatchObject({ completionMode: 'Indexed', parallelism: 20, completions: 20 });
      expect(job.spec.completions).toBe(Number(cm.data.SQS_BLAST_SHARDS));
      expect(job.spec.backoffLimitPerIndex).toBeGreaterThanOrEqual(1);
      expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
      expect(job.spec.podFailurePolicy.rules).toContainEqual({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] });
      const failIndex = job.spec.podFailurePolicy.rules.find((r: any) => r.action === 'FailIndex');
      expect(failIndex.onExitCodes.values).toEqual(expect.arrayContaining([2, 99]));
      checkPod(job.spec.template.spec, command);
    }
    // The send pods share a run id: JOB_UID from the Job's controller-uid label.
    const send = find(docs, 'Job', 'sqs-blast-send').spec.template.spec.containers[0];
    expect(send.env).toContainEqual({ name: 'JOB_UID', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/controller-uid']" } } });
  });

  it('configures only flags the CLI knows, with values it accepts', async () => {
    const cm = find(render('base'), 'ConfigMap', 'sqs-blast');
    const keys = Object.keys(cm.data).filter((k) => k.startsWith('SQS_BLAST_'));
    expect(keys.length).toBeGreaterThan(5);
    const env = { ...cm.data, JOB_COMPLETION_INDEX: '7', JOB_UID: '3f0c9a1e-0000-4000-8000-000000000000' };
    for (const command of ['send', 'drain'] as const) {
      let got: Record<string, unknown> | undefined;
      const capture = async (_c: string, argv: Record<string, unknown>) => void (got = argv);
      await buildCli([command], { load: capture, report: capture as any, local: capture as any }).parseAsync();
      // The same ConfigMap feeds both Jobs: the other command's settings must not be errors.
      const config = resolveConfig(command, envArgs(command, got!, env), env);
      expect(config).toMatchObject({ shard: 7, shards: 20, runId: '3f0c9a1e' });
      expect(config.queues).toMatchObject({ count: 4, prefix: 'sqs-blast' });
      if (command === 'send') expect(config.send!.total).toBe(50_000); // 1,000,000 / 20
    }
    expect(() => envArgs('send', {}, { ...env, SQS_BLAST_TOTL: '5' })).toThrow(/SQS_BLAST_TOTL is not a sqs-blast setting/);
  });

  it('puts the load on a Karpenter v1 NodePool the Jobs select and tolerate', () => {
    const docs = render('karpenter');
    validate(docs);
    const pool = find(docs, 'NodePool', 'sqs-blast');
    const reqs = Object.fromEntries(pool.spec.template.spec.requirements.map((r: any) => [r.key, r.values]));
    expect(reqs['karpenter.sh/capacity-type']).toEqual(['spot', 'on-demand']);
    expect(pool.spec.disruption.consolidationPolicy).toBe('WhenEmpty');
    expect(pool.spec.limits.cpu).toBeDefined();
    expect(pool.spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'sqs-blast' });
    find(docs, 'EC2NodeClass', 'sqs-blast');
    const podSpec = find(render('base'), 'Job', 'sqs-blast-send').spec.template.spec;
    expect(podSpec.nodeSelector['karpenter.sh/nodepool']).toBe(pool.metadata.name);
    for (const taint of pool.spec.template.spec.taints) {
      expect(podSpec.tolerations).toContainEqual({ key: taint.key, operator: 'Exists', effect: taint.effect });
    }
  });

  it('lets KEDA launch drain Jobs from queue depth with the workload identity', () => {
    const docs = render('keda');
    validate(docs);
    const sj = find(docs, 'ScaledJob', 'sqs-blast-drain-on-demand');
    const auth = find(docs, 'TriggerAuthentication', 'sqs-blast-aws');
    expect(auth.spec.podIdentity).toEqual({ provider: 'aws', identityOwner: 'workload' });
    expect(sj.spec.triggers).toHaveLength(4);
    for (const t of sj.spec.triggers) {
      expect(t.type).toBe('aws-sqs-queue');
      expect(t.authenticationRef.name).toBe('sqs-blast-aws');
      expect(t.metadata.queueURL).toMatch(/^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com\/\d+\/sqs-blast-\d$/);
      expect(Number(t.metadata.queueLength)).toBeGreaterThan(0);
    }
    checkPod(sj.spec.jobTargetRef.template.spec, 'drain');
  });
});
