/**
 * `sqs-blast k8s manifests`: the YAML of one run. Rendered in-process and by the built CLI, read
 * back the way kubectl reads it, schema-checked, and held to the same run contract as k8s/base.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli/commands.js';
import { envArgs } from '../src/config/flags.js';
import { resolveConfig } from '../src/config.js';
import { Schedule } from '../src/load/schedule.js';
import { UsageError } from '../src/errors.js';
import { IMAGE_REPOSITORY, packageVersion } from '../src/k8s/defaults.js';
import { resolveRunSpec } from '../src/k8s/options.js';
import { renderYaml } from '../src/k8s/render.js';
import { runManifests } from '../src/k8s/manifests.js';
import { find, kubectlReads, parseDocs, render, ROOT, type Doc } from './k8s.contract.js';
import { podContainers } from './k8s.sim.js';
import { checkAttemptIdentity, checkDisruptable, checkFailurePolicy, checkPodSecurity, queuesConfig, validate } from './k8s.checks.js';
import { MAX_QUEUE_NAME, longestQueueName } from '../src/k8s/options.js';
import { quantity, runRequests } from '../src/k8s/manifests.js';
import { queueNames } from '../src/sqs/queues.js';
import { dlqName } from '../src/sqs/create-queue.js';
import { runCli } from './helpers.js';

/** Flags as yargs hands them over (camelCase). */
function generate(flags: Record<string, unknown> = {}): { yaml: string; docs: Doc[]; objects: Doc[] } {
  const spec = resolveRunSpec(flags);
  const manifests = runManifests(spec);
  const yaml = renderYaml(spec, manifests);
  return { yaml, docs: parseDocs(yaml), objects: manifests.map((m) => JSON.parse(JSON.stringify(m.object)) as Doc) };
}

const job = (docs: Doc[], role: string) => find(docs, 'Job', new RegExp(`^sqs-blast-[a-z0-9-]+-${role}$`));
const main = (docs: Doc[], role: string, index = 0) => podContainers(job(docs, role), docs, index).find((c) => !c.init)!;

describe('k8s manifests: one run', () => {
  it('is what kubectl reads: the same objects, every one valid against its schema', () => {
    const { yaml, docs, objects } = generate({ runId: 'kread1', shards: 3, queuePrefix: 'yes', nodePool: 'sqs-blast', results: 's3://my-results/runs', sendRoleArn: 'arn:aws:iam::111122223333:role/sqs-blast-send' });
    // Compared with the objects built, not with our own reading of the YAML: a string kubectl
    // would read as a boolean ("on", "yes") would show here.
    const read = kubectlReads(yaml);
    expect(read).toHaveLength(objects.length);
    expect(read).toEqual(expect.arrayContaining(objects));
    expect(docs).toEqual(objects);
    validate(docs);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Namespace/sqs-blast',
      'ServiceAccount/sqs-blast-send',
      'ServiceAccount/sqs-blast-drain',
      'Job/sqs-blast-kread1-send',
      'Job/sqs-blast-kread1-drain',
    ]);
    expect(yaml).not.toMatch(/[&*]a\d/); // no YAML anchors: every object stands alone
  });

  it('runs Indexed send and drain Jobs of one run id, completions = parallelism = shards, on identities of their own', () => {
    const { docs } = generate({ runId: 'contract1', shards: 5, total: 1000 });
    for (const role of ['send', 'drain']) {
      const j = job(docs, role);
      expect(j.metadata.name).toBe(`sqs-blast-contract1-${role}`);
      expect(j.metadata.namespace).toBe('sqs-blast');
      expect(j.spec).toMatchObject({ completionMode: 'Indexed', completions: 5, parallelism: 5 });
      expect(j.spec.maxFailedIndexes).toBeUndefined();
      expect(j.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
      checkDisruptable(j.spec.template);
      expect(j.spec.template.metadata.labels['sqs-blast/run-id']).toBe('contract1');
      expect(j.spec.template.spec.serviceAccountName).toBe(`sqs-blast-${role}`);
      checkFailurePolicy(j.spec.podFailurePolicy, j.spec.template.spec);
      checkPodSecurity(j.spec.template.spec);
      checkAttemptIdentity(j, docs, 4);
      expect(j.spec.template.spec.imagePullSecrets).toBeUndefined();
      for (const index of [0, 4]) {
        expect(main(docs, role, index).env).toMatchObject({ SQS_BLAST_RUN_ID: 'contract1', SQS_BLAST_SHARDS: '5', SQS_BLAST_GATE: 'false', JOB_COMPLETION_INDEX: String(index) });
      }
    }
    expect(main(docs, 'send').env.SQS_BLAST_TOTAL).toBe('1000');
    expect(main(docs, 'drain').env).toMatchObject({ SQS_BLAST_ONLY_RUN_ID: 'contract1', SQS_BLAST_START_TIMEOUT: '300', SQS_BLAST_IDLE_TIMEOUT: '30' });
    expect(main(docs, 'drain').env.SQS_BLAST_TOTAL).toBeUndefined();
    expect(find(docs, 'ServiceAccount', 'sqs-blast-send').metadata.annotations).toBeUndefined();
  });

  it('keeps runs apart: queues sqs-blast-<run-id>-N by default, a given --queue-prefix as given, names within SQS’s 80 characters', () => {
    const own = main(generate({ runId: 'apart1' }).docs, 'send').env;
    expect(own.SQS_BLAST_QUEUE_PREFIX).toBe('sqs-blast-apart1');
    expect(main(generate({ runId: 'apart1' }).docs, 'drain').env.SQS_BLAST_QUEUE_PREFIX).toBe('sqs-blast-apart1');
    expect(main(generate({ runId: 'apart2', queuePrefix: 'shared' }).docs, 'drain').env.SQS_BLAST_QUEUE_PREFIX).toBe('shared');
    // The longest id still fits, with every suffix; the check uses the CLI's own naming.
    const long = generate({ runId: 'a'.repeat(24), queues: 100, fifo: true, dlq: true }).docs;
    expect(main(long, 'send').env.SQS_BLAST_QUEUE_PREFIX).toHaveLength(34);
    for (const [prefix, n, fifo, dlq] of [['p', 7, false, false], ['p', 12, true, true], ['x-y', 3, false, true], ['z', 2, true, false]] as const) {
      const last = queueNames({ prefix, count: n, fifo } as any).at(-1)!;
      expect(longestQueueName(prefix, n, fifo, dlq)).toBe(dlq ? dlqName(last) : last);
    }
    expect(() => generate({ queuePrefix: 'q'.repeat(70), queues: 100, dlq: true, fifo: true })).toThrow(
      new RegExp(`^--queue-prefix "q{70}" makes the queue name q{70}-100-dlq\\.fifo \\(83 characters; SQS allows ${MAX_QUEUE_NAME}, with the -dlq and \\.fifo suffixes\\): shorten --queue-prefix`),
    );
    // 78 and 79 characters: within the limit.
    expect(() => generate({ queuePrefix: 'q'.repeat(70), queues: 100, dlq: true })).not.toThrow();
    expect(() => generate({ queuePrefix: 'q'.repeat(70), queues: 100, fifo: true })).not.toThrow();
  });

  it('lets Karpenter evict load pods gracefully: no do-not-disrupt unless --do-not-disrupt', () => {
    for (const role of ['send', 'drain']) {
      checkDisruptable(job(generate().docs, role).spec.template);
      expect(job(generate({ doNotDisrupt: true }).docs, role).spec.template.metadata.annotations).toEqual({ 'karpenter.sh/do-not-disrupt': 'true' });
    }
  });

  it('pulls from a private registry with --image-pull-secret, in both Jobs', () => {
    const { docs } = generate({ imagePullSecret: ['ghcr-pull', 'ecr.pull'] });
    for (const role of ['send', 'drain']) expect(job(docs, role).spec.template.spec.imagePullSecrets).toEqual([{ name: 'ghcr-pull' }, { name: 'ecr.pull' }]);
    validate(docs);
  });

  it('says what its pods request at once, and the NodePool of k8s/karpenter holds the default run', () => {
    const spec = resolveRunSpec({ runId: 'need1' });
    expect(runRequests(spec)).toEqual({ pods: 40, cpu: 80, memoryGi: 80 });
    expect(runRequests(resolveRunSpec({ shards: 3, cpu: '100m', memory: '128Mi' }))).toEqual({ pods: 6, cpu: 1.5, memoryGi: 1.5 }); // the setup's 250m/256Mi
    expect(renderYaml(spec)).toContain('# Nodes:   the pods request 80 CPU and 80 GiB at once');
    expect(renderYaml(spec)).toContain('sqs-blast queues delete --queues 4 --queue-prefix sqs-blast-need1 --region us-east-1 --yes');
    const pool = find(render('karpenter'), 'NodePool', 'sqs-blast');
    expect(quantity(pool.spec.limits.cpu)).toBeGreaterThanOrEqual(runRequests(spec).cpu);
    expect(quantity(pool.spec.limits.memory) / 2 ** 30).toBeGreaterThanOrEqual(runRequests(spec).memoryGi);
  });

  it('is a new run on every call, and the same output again for the same run id (a re-apply changes nothing)', () => {
    const a = generate().docs;
    const b = generate().docs;
    expect(job(a, 'send').metadata.name).not.toBe(job(b, 'send').metadata.name);
    expect(generate({ runId: 'same1' }).yaml).toBe(generate({ runId: 'same1' }).yaml);
  });

  it('creates the queues first in every pod, or leaves that to you (--setup none)', async () => {
    const { docs } = generate({ runId: 'setup1', shards: 3, queues: 3, queuePrefix: 'load', fifo: true, dlq: true });
    for (const role of ['send', 'drain']) {
      const [setup, load] = podContainers(job(docs, role), docs, 2);
      expect(setup).toMatchObject({ init: true, args: ['queues', 'create', '--queues', '3', '--queue-prefix', 'load', '--fifo', '--dlq'] });
      expect((await queuesConfig(setup)).queues).toMatchObject({ count: 3, prefix: 'load', fifo: true }); // pod index 2, unsharded setup
      expect(load.env).toMatchObject({ SQS_BLAST_QUEUES: '3', SQS_BLAST_QUEUE_PREFIX: 'load', SQS_BLAST_FIFO: 'true' });
      expect(setup.env.AWS_REGION).toBe(load.env.AWS_REGION);
    }
    const none = generate({ setup: 'none' }).docs;
    expect(job(none, 'send').spec.template.spec.initContainers).toBeUndefined();
  });

  it('runs on any cluster, or on a Karpenter NodePool with --node-pool', () => {
    const plain = job(generate().docs, 'send').spec.template.spec;
    expect(plain.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(plain.tolerations).toBeUndefined();
    // The taint tolerated is the one the NodePool of k8s/karpenter puts on its nodes.
    const pool = find(render('karpenter'), 'NodePool', 'sqs-blast');
    const pinned = job(generate({ nodePool: pool.metadata.name }).docs, 'drain').spec.template.spec;
    expect(pinned.nodeSelector['karpenter.sh/nodepool']).toBe(pool.metadata.name);
    expect(pinned.tolerations).toEqual(pool.spec.template.spec.taints.map((t: any) => ({ key: t.key, operator: 'Exists', effect: t.effect })));
  });

  it('writes results to S3 when asked, and talks to an emulator with dummy keys but to AWS with the pod’s role', () => {
    const { docs } = generate({ results: 's3://my-results/runs', endpoint: 'http://sqs-blast-sqs:4566' });
    for (const role of ['send', 'drain']) {
      expect(main(docs, role).env).toMatchObject({
        SQS_BLAST_OUT: 's3://my-results/runs/',
        AWS_ENDPOINT_URL_SQS: 'http://sqs-blast-sqs:4566',
        AWS_ENDPOINT_URL_S3: 'http://sqs-blast-sqs:4566',
        AWS_ACCESS_KEY_ID: 'sqsblast',
      });
    }
    const vpc = main(generate({ endpoint: 'https://vpce-0abc.sqs.eu-west-1.vpce.amazonaws.com' }).docs, 'send').env;
    expect(vpc.AWS_ENDPOINT_URL_SQS).toBe('https://vpce-0abc.sqs.eu-west-1.vpce.amazonaws.com');
    expect(vpc.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(main(generate().docs, 'send').env.SQS_BLAST_OUT).toBeUndefined();
  });

  it('carries any other flag of the pods (--send-env/--drain-env), checked as the pod would resolve it', () => {
    const { docs } = generate({
      shards: 4,
      duration: 900,
      sendEnv: ['SQS_BLAST_STAGES=5m:20000,10m:20000', 'SQS_BLAST_WARMUP=10', 'SQS_BLAST_MESSAGE_SIZE=1KiB-10KiB'],
      drainEnv: ['SQS_BLAST_PROCESS_TIME=20ms'],
    });
    const send = main(docs, 'send', 3).env;
    expect(send).toMatchObject({ SQS_BLAST_STAGES: '5m:20000,10m:20000', SQS_BLAST_WARMUP: '10', SQS_BLAST_MESSAGE_SIZE: '1KiB-10KiB' });
    expect(send.SQS_BLAST_PROCESS_TIME).toBeUndefined();
    expect(main(docs, 'drain').env.SQS_BLAST_PROCESS_TIME).toBe('20ms');
    // The pod's own resolution of that environment: shard 3 of 4 takes a quarter of the ramp.
    const config = resolveConfig('send', envArgs('send', {}, send as NodeJS.ProcessEnv), { ...send, JOB_COMPLETION_INDEX: '3' } as NodeJS.ProcessEnv);
    expect([config.shard, config.shards]).toEqual([3, 4]);
    expect(new Schedule(config.send!.schedule).rateAt(config.send!.schedule.warmupMs + 10 * 60_000)).toBeCloseTo(5000, 6);
    for (const [flags, message] of [
      [{ sendEnv: ['SQS_BLAST_STAGES=abc'] }, /^--send-env: --stages \(env SQS_BLAST_STAGES\) must be/],
      [{ sendEnv: ['SQS_BLAST_TOTAL=5'] }, /^--send-env SQS_BLAST_TOTAL is set by k8s manifests itself/],
      [{ messageSize: 2048, sendEnv: ['SQS_BLAST_MESSAGE_SIZE=1KiB'] }, /^--send-env SQS_BLAST_MESSAGE_SIZE is set by k8s manifests itself/],
      [{ sendEnv: ['SQS_BLAST_PROCESS_TIME=5ms'] }, /^--send-env SQS_BLAST_PROCESS_TIME is not a flag of sqs-blast send/],
      [{ drainEnv: ['WAIT_TIME=5'] }, /^--drain-env "WAIT_TIME=5" is not SQS_BLAST_<FLAG>=VALUE/],
      [{ drainEnv: ['SQS_BLAST_WAIT_TIME=99'] }, /^--drain-env: --wait-time \(env SQS_BLAST_WAIT_TIME\) must be a whole number from 0 to 20/],
    ] as const) {
      expect(() => generate(flags), JSON.stringify(flags)).toThrow(message);
    }
  });

  it('annotates the ServiceAccounts for IRSA, or references existing ones', () => {
    const arn = 'arn:aws:iam::111122223333:role/sqs-blast-drain';
    const { docs } = generate({ drainRoleArn: arn });
    expect(find(docs, 'ServiceAccount', 'sqs-blast-drain').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': arn });
    const existing = generate({ serviceAccounts: false }).docs;
    expect(existing.filter((d) => d.kind === 'ServiceAccount')).toEqual([]);
    expect(job(existing, 'send').spec.template.spec.serviceAccountName).toBe('sqs-blast-send');
  });

  it('pulls the released image of this version by default', () => {
    const [c] = job(generate().docs, 'send').spec.template.spec.containers;
    expect(c.image).toBe(`${IMAGE_REPOSITORY}:${packageVersion()}`);
    expect(job(generate({ image: 'registry.example/sqs-blast:dev' }).docs, 'drain').spec.template.spec.initContainers[0].image).toBe('registry.example/sqs-blast:dev');
  });

  it.each([
    [{ shards: 0 }, /^--shards must be a whole number from 1/],
    [{ shards: 2.5 }, /^--shards/],
    [{ total: 3, shards: 4 }, /^--total 3 is below --shards 4/],
    [{ runId: 'Has_Upper' }, /^--run-id "Has_Upper" is not valid; use 1-24 lowercase/],
    [{ runId: 'a'.repeat(25) }, /^--run-id/],
    [{ namespace: 'Bad NS' }, /^--namespace/],
    [{ results: 'my-bucket/runs' }, /^--results "my-bucket\/runs" is not an S3 location; give s3:\/\/BUCKET\/PREFIX\//],
    [{ endpoint: 'sqs-blast-sqs:4566' }, /^--endpoint/],
    [{ messageSize: 100 }, /^--message-size/],
    [{ queues: 0 }, /^--queues/],
    [{ rate: -5 }, /^--rate/],
    [{ cpu: 'two' }, /^--cpu/],
    [{ memory: '2 GB' }, /^--memory/],
    [{ startTimeout: 0 }, /^--start-timeout/],
    [{ sendRoleArn: 'sqs-blast-send' }, /^--send-role-arn/],
    [{ serviceAccounts: false, drainRoleArn: 'arn:aws:iam::111122223333:role/d' }, /^--send-role-arn\/--drain-role-arn annotate/],
    [{ region: 'mars' }, /^--region/],
    [{ imagePullSecret: 'Bad_Secret' }, /^--image-pull-secret "Bad_Secret" is not a Secret name/],
    [{ queuePrefix: 'q'.repeat(70), queues: 100, fifo: true, dlq: true }, /^--queue-prefix .* SQS allows 80.*: shorten --queue-prefix/],
  ])('refuses %j with one line naming the flag', (flags, message) => {
    let error: unknown;
    try {
      runManifests(resolveRunSpec(flags));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('the documented commands', () => {
  it('are ones the generator accepts (docs/kubernetes.md, README)', async () => {
    const text = ['docs/kubernetes.md', 'README.md'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n').replace(/\\\n\s*/g, ' ');
    const shellVars: Record<string, string> = { $ACCOUNT_ID: '123456789012', $REGION: 'eu-west-1', $BUCKET: 'my-sqs-blast-results' };
    const commands = [...text.matchAll(/sqs-blast k8s manifests([^|`\n]*)/g)]
      .map((m) => m[1].replace(/\$[A-Z_]+/g, (v) => shellVars[v] ?? v).split(/\s+/).filter((a) => a && a !== '…'))
      .filter((args) => !args.includes('--help'));
    expect(commands.filter((a) => a.length > 0).length).toBeGreaterThanOrEqual(3);
    for (const args of commands) {
      let argv: Record<string, unknown> | undefined;
      const none = async () => {};
      await buildCli(['k8s', 'manifests', ...args], { load: none, report: none, local: none, k8s: async (a) => void (argv = a) }).parseAsync();
      expect(() => runManifests(resolveRunSpec(argv!)), args.join(' ')).not.toThrow();
    }
  });
});

describe('sqs-blast k8s manifests (the built CLI)', () => {
  it('prints the YAML of one run on stdout', async () => {
    const r = await runCli(['k8s', 'manifests', '--run-id', 'cli1', '--shards', '2', '--total', '100', '--queues', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const docs = parseDocs(r.stdout);
    expect(job(docs, 'send').metadata.name).toBe('sqs-blast-cli1-send');
    expect(r.stdout).toMatch(/^# sqs-blast run cli1: 2 send \+ 2 drain pods/);
    expect(r.stdout).toContain('kubectl logs -n sqs-blast -l sqs-blast/run-id=cli1 --tail=-1');
  });

  it('refuses bad flags with exit 2 and one line, nothing on stdout', async () => {
    for (const args of [['--shards', 'x'], ['--results', 's3://'], ['--bogus', '1'], ['--setup', 'later'], ['--image-pull-secret', 'Bad_Secret'], ['--queue-prefix', 'q'.repeat(70), '--queues', '100', '--fifo', '--dlq']]) {
      const r = await runCli(['k8s', 'manifests', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^sqs-blast: .*${args[0].replace(/^--/, '')}`));
    }
  });

  it('says in --help that a new run id is a new run', async () => {
    const r = await runCli(['k8s', 'manifests', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/new run \(the run id defaults to a random one\)/);
    expect(r.stdout).toContain('--node-pool');
    expect(r.stdout).toMatch(/--do-not-disrupt[\s\S]*Not for spot/);
    expect(r.stdout).toContain('queues of their own');
  });
});
