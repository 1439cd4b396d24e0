/**
 * The kustomize tree (k8s/), rendered with `kubectl kustomize` as a GitOps tool would, schema-
 * checked (kubernetes-models, with the Karpenter and KEDA CRDs) and held to the run contract:
 * Indexed Jobs whose names, labels and settings share one run id, completions = parallelism =
 * shards (as integers), pods that Karpenter leaves alone and whose verdicts never fail the Job.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveConfig, type CommandName } from '../src/config.js';
import { buildCli, envArgs } from '../src/cli/commands.js';
import { IMAGE_REPOSITORY, packageVersion } from '../src/k8s/defaults.js';
import { envConfigMap, find, kustomizeDir, render, ROOT, type Doc } from './k8s.contract.js';
import { quantity, SERVICE_ACCOUNTS } from '../src/k8s/manifests.js';
import { checkAttemptIdentity, checkDisruptable, checkFailurePolicy, checkPodSecurity, queuesConfig, validate } from './k8s.checks.js';
import { MAX_QUEUE_NAME, longestQueueName } from '../src/k8s/options.js';
import { cliKnows, podContainers } from './k8s.sim.js';

function jobs(docs: Doc[]): { send: Doc; drain: Doc } {
  const all = docs.filter((d) => d.kind === 'Job');
  expect(all).toHaveLength(2);
  const byRole = (role: string) => all.find((j) => j.spec.template.spec.containers[0].args[0] === role)!;
  return { send: byRole('send'), drain: byRole('drain') };
}

/** What every rendering of a run must hold: one run id everywhere, shards as integers, the policy. */
function checkRun(docs: Doc[], runId: string, shards: number): { send: Doc; drain: Doc } {
  const { send, drain } = jobs(docs);
  for (const [role, job] of Object.entries({ send, drain })) {
    expect(job.metadata.name).toBe(`sqs-blast-${runId}-${role}`);
    expect(job.spec.completionMode).toBe('Indexed');
    // kustomize replacements copy strings; the Job API needs integers.
    expect(job.spec.completions).toBe(shards);
    expect(job.spec.parallelism).toBe(shards);
    expect(job.metadata.labels['sqs-blast/run-id']).toBe(runId);
    expect(job.spec.template.metadata.labels['sqs-blast/run-id']).toBe(runId);
    checkDisruptable(job.spec.template);
    expect(job.spec.template.spec.serviceAccountName).toBe(`sqs-blast-${role}`);
    find(docs, 'ServiceAccount', `sqs-blast-${role}`);
    expect(job.spec.backoffLimitPerIndex).toBeGreaterThanOrEqual(1);
    expect(job.spec.maxFailedIndexes, 'one failed index must not stop the others').toBeUndefined();
    expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    checkFailurePolicy(job.spec.podFailurePolicy, job.spec.template.spec);
    checkPodSecurity(job.spec.template.spec);
    checkAttemptIdentity(job, docs, shards - 1);
    // Every container of every pod sees the same run id and shard count, and its own index.
    for (const index of [0, shards - 1]) {
      const main = podContainers(job, docs, index).find((c) => !c.init)!;
      expect(main.env).toMatchObject({ SQS_BLAST_RUN_ID: runId, SQS_BLAST_SHARDS: String(shards), SQS_BLAST_GATE: 'false', JOB_COMPLETION_INDEX: String(index) });
    }
  }
  expect(podContainers(drain, docs, 0).find((c) => !c.init)!.env.SQS_BLAST_ONLY_RUN_ID).toBe(runId);
  // Runs kept apart: the queues are the run's own, and their names fit SQS.
  for (const job of [send, drain]) {
    const env = podContainers(job, docs, 0).find((c) => !c.init)!.env;
    expect(env.SQS_BLAST_QUEUE_PREFIX).toBe(`sqs-blast-${runId}`);
    expect(longestQueueName(env.SQS_BLAST_QUEUE_PREFIX, Number(env.SQS_BLAST_QUEUES), true, true).length).toBeLessThanOrEqual(MAX_QUEUE_NAME);
  }
  return { send, drain };
}

/** The settings a pod's main container runs with, as the CLI resolves them. */
async function cliConfig(job: Doc, docs: Doc[], index: number) {
  const main = podContainers(job, docs, index).find((c) => !c.init)!;
  const command = main.args[0] as CommandName;
  let argv: Record<string, unknown> = {};
  const capture = async (_c: string, a: Record<string, unknown>) => void (argv = a);
  await buildCli(main.args, { load: capture, report: capture as any, local: capture as any }).parseAsync();
  const env = main.env;
  return resolveConfig(command, envArgs(command, argv, env), env);
}

const source = (...parts: string[]) => readFileSync(join(ROOT, 'k8s', ...parts), 'utf8');
const sourcesUnder = (dir: string): string =>
  readdirSync(join(ROOT, 'k8s', dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');

describe('k8s/base: a run on any cluster', () => {
  const docs = render('base');
  const run = parse(source('base', 'run.yaml')) as Doc;

  it('renders valid objects, all in the namespace, and none that needs Karpenter or AWS', () => {
    validate(docs);
    expect(docs.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'Job', 'Job', 'Namespace', 'ServiceAccount', 'ServiceAccount']);
    for (const d of docs.filter((x) => x.kind !== 'Namespace')) expect(d.metadata.namespace).toBe('sqs-blast');
    for (const { spec } of docs.filter((d) => d.kind === 'Job')) {
      expect(Object.keys(spec.template.spec.nodeSelector)).toEqual(['kubernetes.io/os']);
      expect(spec.template.spec.tolerations).toBeUndefined();
    }
    for (const sa of docs.filter((d) => d.kind === 'ServiceAccount')) expect(sa.metadata.annotations).toBeUndefined();
    // run.yaml is read by kustomize only.
    expect(docs.find((d) => d.metadata.name === 'sqs-blast-run')).toBeUndefined();
  });

  it('takes the run id, shards, total and image from run.yaml, into every place that must agree', () => {
    const { send, drain } = checkRun(docs, run.data.runId, Number(run.data.shards));
    expect(envConfigMap(docs, send).data.SQS_BLAST_TOTAL).toBe(run.data.total);
    expect(envConfigMap(docs, send).metadata.name).toBe(envConfigMap(docs, drain).metadata.name);
    for (const job of [send, drain]) {
      for (const c of [...job.spec.template.spec.initContainers, ...job.spec.template.spec.containers]) expect(c.image).toBe(run.data.image);
    }
  });

  it('creates the queues first in every pod, with the load’s queue settings', async () => {
    const { send, drain } = jobs(docs);
    for (const job of [send, drain]) {
      for (const index of [0, 7]) {
        const [setup, main] = podContainers(job, docs, index);
        expect(setup.init).toBe(true);
        expect(setup.args).toEqual(['queues', 'create', '--queues', main.env.SQS_BLAST_QUEUES, '--queue-prefix', main.env.SQS_BLAST_QUEUE_PREFIX]);
        // Every pod's index reaches its initContainer too, and the queue setup is not sharded.
        expect((await queuesConfig(setup)).queues).toMatchObject({ count: Number(main.env.SQS_BLAST_QUEUES), prefix: main.env.SQS_BLAST_QUEUE_PREFIX });
      }
    }
  });

  it('gives every pod settings the CLI accepts: its shard of the run, one run id', async () => {
    const { send, drain } = jobs(docs);
    const shards = Number(run.data.shards);
    for (const index of [0, 7, shards - 1]) {
      const s = await cliConfig(send, docs, index);
      expect(s).toMatchObject({ shard: index, shards, runId: run.data.runId });
      expect(s.send!.total).toBe(Number(run.data.total) / shards);
      const d = await cliConfig(drain, docs, index);
      expect(d).toMatchObject({ shard: index, shards, runId: run.data.runId });
      expect(d.drain!.runIdFilter).toBe(run.data.runId);
    }
    expect(() => envArgs('send', {}, { SQS_BLAST_TOTL: '5' })).toThrow(/SQS_BLAST_TOTL is not a sqs-blast setting/);
  });

  it('sets only SQS_BLAST_* variables the CLI reads (an unknown one is exit 2 in every pod)', () => {
    const names = new Set<string>();
    for (const overlay of ['base', 'overlays/eks', 'overlays/local']) {
      // ConfigMap keys and container env entries, wherever they sit in the objects.
      const walk = (x: unknown): void => {
        if (Array.isArray(x)) return x.forEach(walk);
        if (!x || typeof x !== 'object') return;
        const o = x as Record<string, unknown>;
        if (typeof o.name === 'string' && o.name.startsWith('SQS_BLAST_')) names.add(o.name);
        if (o.kind === 'ConfigMap') for (const k of Object.keys((o.data as object) ?? {})) if (k.startsWith('SQS_BLAST_')) names.add(k);
        Object.values(o).forEach(walk);
      };
      walk(render(overlay));
    }
    expect(names).toContain('SQS_BLAST_GATE');
    expect(names).toContain('SQS_BLAST_START_TIMEOUT');
    for (const name of names) expect(cliKnows(name), name).toBe(true);
    expect(cliKnows('SQS_BLAST_TOTL')).toBe(false);
  });
});

describe('k8s/overlays', () => {
  it('eks: the overlay’s run flows everywhere, IRSA roles from one account id, Karpenter, results in S3', () => {
    const docs = render('overlays/eks');
    validate(docs);
    checkRun(docs, 'eks1', 20);
    const account = parse(source('overlays', 'eks', 'aws.yaml')).data.accountId as string;
    expect(account).toMatch(/^\d{12}$/);
    for (const role of ['send', 'drain']) {
      expect(find(docs, 'ServiceAccount', `sqs-blast-${role}`).metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': `arn:aws:iam::${account}:role/sqs-blast-${role}` });
    }
    // One place for the account: no other file of the run's tree repeats it.
    const tree = ['base', 'components', 'overlays/eks', 'run-settings'].map(sourcesUnder).join('\n');
    expect(tree.split(account).length - 1).toBe(1);
    const { send } = jobs(docs);
    expect(envConfigMap(docs, send).data.SQS_BLAST_OUT).toMatch(/^s3:\/\/[a-z0-9.-]+\/.+\/$/);
  });

  it('a run that fixes its queue prefix keeps it (annotation sqs-blast/queue-prefix: fixed), and a new run id still follows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqs-blast-prefix-'));
    try {
      const rel = (p: string) => relative(dir, join(ROOT, 'k8s', p));
      const overlay = (prefix?: string) =>
        [
          `resources: [${rel('overlays/eks')}]`,
          'patches:',
          '  - target: { kind: ConfigMap, name: sqs-blast-run }',
          '    patch: |-',
          '      - { op: replace, path: /data/runId, value: soak7 }',
          ...(prefix ? [`      - { op: replace, path: /data/queuePrefix, value: ${prefix} }`, '      - { op: replace, path: /metadata/annotations/sqs-blast~1queue-prefix, value: fixed }'] : []),
          `transformers: [${rel('run-settings')}]`,
        ].join('\n');
      const prefixOf = (docs: Doc[]) => envConfigMap(docs, jobs(docs).send).data.SQS_BLAST_QUEUE_PREFIX;
      writeFileSync(join(dir, 'kustomization.yaml'), overlay());
      expect(prefixOf(kustomizeDir(dir))).toBe('sqs-blast-soak7');
      writeFileSync(join(dir, 'kustomization.yaml'), overlay('shared-load'));
      const docs = kustomizeDir(dir);
      expect(prefixOf(docs)).toBe('shared-load');
      expect(jobs(docs).send.metadata.name).toBe('sqs-blast-soak7-send');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('eks: pods land on the Karpenter NodePool they select and tolerate; base pods on any node', () => {
    const pool = find(render('karpenter'), 'NodePool', 'sqs-blast');
    for (const { spec } of render('overlays/eks').filter((d) => d.kind === 'Job')) {
      expect(spec.template.spec.nodeSelector['karpenter.sh/nodepool']).toBe(pool.metadata.name);
      for (const taint of pool.spec.template.spec.taints) {
        expect(spec.template.spec.tolerations).toContainEqual({ key: taint.key, operator: 'Exists', effect: taint.effect });
      }
    }
  });

  it('local: an in-cluster SQS emulator the pods reach and wait for, dummy keys, a small run', () => {
    const docs = render('overlays/local');
    validate(docs);
    const { send, drain } = checkRun(docs, 'local1', 2);
    const emulator = find(docs, 'Deployment', 'sqs-blast-sqs');
    const service = find(docs, 'Service', 'sqs-blast-sqs');
    const container = emulator.spec.template.spec.containers[0];
    expect(container.args.slice(0, 2)).toEqual(['local', '--port']);
    const port = Number(container.args[2]);
    expect(container.ports[0].containerPort).toBe(port);
    expect(service.spec.ports[0].port).toBe(port);
    expect(service.spec.selector).toEqual(emulator.spec.selector.matchLabels);
    expect(container.readinessProbe.httpGet.path).toBe('/health');
    expect(container.image).toBe(send.spec.template.spec.containers[0].image);
    for (const job of [send, drain]) {
      const [wait, setup, main] = podContainers(job, docs, 1);
      expect([wait.name, setup.name, main.name]).toEqual(['wait-for-sqs', 'queues', 'sqs-blast']);
      expect(wait.command).toEqual(['node', '-e']);
      for (const c of [wait, setup, main]) {
        expect(c.env.AWS_ENDPOINT_URL_SQS).toBe(`http://${service.metadata.name}:${port}`);
        expect(c.env.AWS_ACCESS_KEY_ID).toBeTruthy();
      }
    }
    for (const d of docs.filter((x) => x.kind !== 'Namespace')) expect(d.metadata.namespace, `${d.kind}/${d.metadata.name}`).toBe('sqs-blast');
    for (const sa of docs.filter((d) => d.kind === 'ServiceAccount')) expect(sa.metadata.annotations).toBeUndefined();
  });
});

describe('k8s/karpenter: the NodePool and EC2NodeClass', () => {
  const docs = render('karpenter');

  it('are valid Karpenter v1 objects with the cluster name set once and the AMI pinned', () => {
    validate(docs);
    const cluster = parse(source('karpenter', 'cluster.yaml')).data.clusterName as string;
    const nodeClass = find(docs, 'EC2NodeClass', 'sqs-blast');
    expect(nodeClass.spec.role).toBe(`KarpenterNodeRole-${cluster}`);
    for (const term of [...nodeClass.spec.subnetSelectorTerms, ...nodeClass.spec.securityGroupSelectorTerms]) {
      expect(term.tags['karpenter.sh/discovery']).toBe(cluster);
    }
    expect(JSON.stringify(docs)).not.toContain('CLUSTER_NAME');
    expect(sourcesUnder('karpenter').split(cluster).length - 1).toBe(1);
    const [ami] = nodeClass.spec.amiSelectorTerms;
    expect(ami.alias).toMatch(/^al2023@v\d{8}$/); // never @latest
    expect(nodeClass.spec.metadataOptions.httpPutResponseHopLimit).toBe(1);
  });

  it('consolidates only empty nodes, and holds Karpenter off busy nodes with budgets, not do-not-disrupt', () => {
    const pool = find(docs, 'NodePool', 'sqs-blast');
    expect(pool.spec.disruption.consolidationPolicy).toBe('WhenEmpty');
    expect(pool.spec.template.spec.terminationGracePeriod, 'a forced end to drains is not needed here').toBeUndefined();
    // Neither consolidation nor drift takes a node while load pods run on it; empty nodes go.
    const budgets = pool.spec.disruption.budgets as Array<{ nodes: string; reasons?: string[]; schedule?: string }>;
    for (const reason of ['Underutilized', 'Drifted']) {
      const held = budgets.filter((b) => !b.reasons || b.reasons.includes(reason));
      expect(held.some((b) => b.nodes === '0' && !b.schedule), `${reason}: nodes "0" at all times`).toBe(true);
    }
    expect(budgets.some((b) => b.reasons?.includes('Empty') && b.nodes !== '0')).toBe(true);
    expect(pool.spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'sqs-blast' });
    const reqs = Object.fromEntries(pool.spec.template.spec.requirements.map((r: any) => [r.key, r.values]));
    expect(reqs['kubernetes.io/arch']).toEqual(['amd64', 'arm64']);
  });

  it('has limits that hold the EKS run: its pods’ requests at once, twice over for packing', () => {
    const pool = find(docs, 'NodePool', 'sqs-blast');
    const run = render('overlays/eks').filter((d) => d.kind === 'Job');
    const need = { cpu: 0, memory: 0 };
    for (const job of run) {
      const spec = job.spec.template.spec;
      // A pod requests the larger of an initContainer's and its containers' sum.
      for (const r of ['cpu', 'memory'] as const) {
        const init = Math.max(0, ...(spec.initContainers ?? []).map((c: any) => quantity(c.resources.requests[r])));
        const main = spec.containers.reduce((t: number, c: any) => t + quantity(c.resources.requests[r]), 0);
        need[r] += job.spec.parallelism * Math.max(init, main);
      }
    }
    expect(need.cpu).toBe(80);
    // Limits count whole nodes: a 4-vCPU node holds one 2-CPU pod after DaemonSets.
    expect(quantity(pool.spec.limits.cpu)).toBeGreaterThanOrEqual(2 * need.cpu);
    expect(quantity(pool.spec.limits.memory)).toBeGreaterThanOrEqual(2 * need.memory);
    // Memory never binds before CPU on the pool's largest memory-per-CPU family (m: 4 GiB).
    expect(quantity(pool.spec.limits.memory)).toBeGreaterThanOrEqual(quantity(pool.spec.limits.cpu) * 4 * 2 ** 30);
  });
});

describe('k8s/keda: drains on demand', () => {
  const docs = render('keda');
  const sj = () => find(docs, 'ScaledJob', 'sqs-blast-drain-on-demand');

  it('reads queue depth with KEDA’s own identity, the region in every trigger’s metadata (KEDA >= 2.13)', () => {
    validate(docs);
    const auth = find(docs, 'TriggerAuthentication', 'sqs-blast-keda');
    // A TriggerAuthentication's awsRegion is read only from KEDA 2.17.
    expect(auth.spec).toEqual({ podIdentity: { provider: 'aws', identityOwner: 'keda' } });
    const region = find(docs, 'ConfigMap', 'sqs-blast-keda').data.AWS_REGION;
    expect(region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    for (const t of sj().spec.triggers) {
      expect(t.authenticationRef.name).toBe(auth.metadata.name);
      expect(t.metadata.awsRegion).toBe(region);
    }
  });

  it('owns neither the namespace nor the drains’ ServiceAccount (applying it must not strip the role, deleting it must not delete runs)', () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'ScaledJob', 'TriggerAuthentication']);
    // It runs as the runs' own drain identity, which base and `k8s manifests` define with its role.
    expect(sj().spec.jobTargetRef.template.spec.serviceAccountName).toBe(SERVICE_ACCOUNTS.drain);
    find(render('base'), 'ServiceAccount', SERVICE_ACCOUNTS.drain);
  });

  it('counts accurately: the accurate strategy only with in-flight messages left out', () => {
    const spec = sj().spec;
    expect(spec.scalingStrategy.strategy).toBe('accurate');
    for (const t of spec.triggers) {
      expect(t.type).toBe('aws-sqs-queue');
      expect(t.metadata.scaleOnInFlight).toBe('false');
      expect(Number(t.metadata.queueLength)).toBeGreaterThan(0);
    }
  });

  it('watches exactly the drains’ queues, their URLs built in one place', () => {
    const spec = sj().spec;
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'keda-drain', namespace: 'sqs-blast' }, spec: { ...spec.jobTargetRef, completionMode: 'Indexed', completions: 1 } };
    const [main] = podContainers(job, docs, 0);
    const n = Number(main.env.SQS_BLAST_QUEUES);
    expect(spec.triggers).toHaveLength(n);
    const urls = spec.triggers.map((t: any) => main.env[t.metadata.queueURLFromEnv]);
    expect(urls).toEqual(Array.from({ length: n }, (_, i) => `https://sqs.${main.env.AWS_REGION}.amazonaws.com/${main.env.AWS_ACCOUNT_ID}/${main.env.SQS_BLAST_QUEUE_PREFIX}-${i + 1}`));
    expect(main.env.AWS_ACCOUNT_ID).toMatch(/^\d{12}$/);
    expect(sourcesUnder('keda').split(main.env.AWS_ACCOUNT_ID).length - 1).toBe(1);
    expect(main.args).toEqual(['drain']);
    expect(main.env.SQS_BLAST_GATE).toBe('false');
    const pod = spec.jobTargetRef.template;
    checkDisruptable(pod);
    checkFailurePolicy(spec.jobTargetRef.podFailurePolicy, pod.spec);
    checkPodSecurity(pod.spec);
    checkAttemptIdentity(job, docs);
  });
});

describe('k8s/components/karpenter', () => {
  it('puts KEDA’s drain Jobs on the NodePool too, when added to k8s/keda', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqs-blast-keda-karpenter-'));
    try {
      const rel = (p: string) => relative(dir, join(ROOT, 'k8s', p));
      writeFileSync(join(dir, 'kustomization.yaml'), `resources: [${rel('keda')}]\ncomponents: [${rel('components/karpenter')}]\n`);
      const pod = find(kustomizeDir(dir), 'ScaledJob', 'sqs-blast-drain-on-demand').spec.jobTargetRef.template.spec;
      const pool = find(render('karpenter'), 'NodePool', 'sqs-blast');
      expect(pod.nodeSelector['karpenter.sh/nodepool']).toBe(pool.metadata.name);
      expect(pod.tolerations).toEqual(pool.spec.template.spec.taints.map((t: any) => ({ key: t.key, operator: 'Exists', effect: t.effect })));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the image the manifests pull', () => {
  it('runs as the numeric user the pods pin (runAsNonRoot can only check a numeric USER)', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const user = /^USER (\S+)$/m.exec(final)?.[1];
    expect(user).toMatch(/^\d+(:\d+)?$/);
    const [uid, gid] = user!.split(':').map(Number);
    for (const job of Object.values(jobs(render('base')))) {
      expect(job.spec.template.spec.securityContext.runAsUser).toBe(uid);
      if (gid !== undefined) expect(job.spec.template.spec.securityContext.runAsGroup).toBe(gid);
    }
  });

  it('is the one the image workflow pushes, at this package version, named the same everywhere', () => {
    const tag = `${IMAGE_REPOSITORY}:${packageVersion()}`;
    expect(parse(source('base', 'run.yaml')).data.image).toBe(tag);
    const keda = parse(source('keda', 'kustomization.yaml')).images[0];
    expect(`${keda.newName}:${keda.newTag}`).toBe(tag);
    const workflow = parse(readFileSync(join(ROOT, '.github/workflows/image.yml'), 'utf8'));
    const meta = workflow.jobs.image.steps.find((s: any) => String(s.uses).startsWith('docker/metadata-action'));
    expect(meta.with.images).toBe('ghcr.io/${{ github.repository_owner }}/sqs-blast');
    expect(IMAGE_REPOSITORY).toMatch(/^ghcr\.io\/[a-z0-9-]+\/sqs-blast$/);
  });
});
