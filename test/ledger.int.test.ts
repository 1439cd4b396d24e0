/**
 * The run's ledger under the pod lifecycles Kubernetes really gives: a generated run's pods run
 * as processes with exactly their environment (test/k8s.sim.ts), each attempt a new pod name and
 * uid under its Job's controller uid, results and checkpoints in the server's own S3. A pod is
 * SIGTERMed (a graceful eviction) or SIGKILLed (a spot reclaim, the OOM killer) once the ledger
 * holds a checkpoint of its progress — not after a fixed time, so a slow machine only moves the
 * moment — and its index is retried as the Job controller retries it. The merge must be exact,
 * or state its bound; it must never call a delivered message missing.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveRunSpec } from '../src/k8s/options.js';
import { renderYaml } from '../src/k8s/render.js';
import type { Result } from '../src/result/document.js';
import { FaultProxy } from './fault-proxy.js';
import { find, parseDocs, type Doc } from './k8s.contract.js';
import { podContainers, type SimContainer } from './k8s.sim.js';
import { depth, endpoint, runCli, s3Client, sdk, type CliRun } from './helpers.js';

const bucket = `ledger-${process.pid}-${Date.now().toString(36)}`;
const results = `s3://${bucket}/runs/`;

interface Run {
  runId: string;
  prefix: string;
  docs: Doc[];
  send: Doc;
  drain: Doc;
  /** One controller uid per Job apply. */
  uids: { send: string; drain: string };
}

/**
 * A run of `shards` send and drain pods, checkpointing every second. Drains see a message again 5 s
 * after a killed drain took it (its visibility timeout) and end 2 s after the run is done.
 */
function render(label: string, shards: number, total: number, extra: { send?: string[]; drain?: string[]; defaultPrefix?: boolean } = {}): Run {
  const runId = `${label}${Date.now().toString(36)}`.slice(0, 24);
  const spec = resolveRunSpec({
    runId,
    shards,
    total,
    messageSize: 1024,
    queues: 2,
    ...(extra.defaultPrefix ? {} : { queuePrefix: `ledger-${runId}` }),
    idleTimeout: 2,
    startTimeout: 60,
    results,
    sendEnv: ['SQS_BLAST_CHECKPOINT_INTERVAL=1', ...(extra.send ?? [])],
    drainEnv: ['SQS_BLAST_CHECKPOINT_INTERVAL=1', 'SQS_BLAST_VISIBILITY_TIMEOUT=5', ...(extra.drain ?? [])],
  });
  const docs = parseDocs(renderYaml(spec));
  return {
    runId,
    prefix: spec.queuePrefix,
    docs,
    send: find(docs, 'Job', `sqs-blast-${runId}-send`),
    drain: find(docs, 'Job', `sqs-blast-${runId}-drain`),
    uids: { send: randomUUID(), drain: randomUUID() },
  };
}

interface Pod {
  name: string;
  child: Promise<ChildProcess>;
  done: Promise<CliRun>;
}

/**
 * Attempt `attempt` of index `index`: its init container to success, then the load, the way the
 * kubelet runs them; the sim names each attempt anew and gives it the Job's controller uid (the
 * Job object's metadata.uid: `uid` stands for another apply). `sqsEndpoint` replaces the load's
 * endpoint (a fault proxy); S3 stays the server's.
 */
function startPod(run: Run, role: 'send' | 'drain', index: number, attempt = 0, opts: { uid?: string; sqsEndpoint?: string } = {}): Pod {
  const job = role === 'send' ? run.send : run.drain;
  const applied = { ...job, metadata: { ...job.metadata, uid: opts.uid ?? run.uids[role] } };
  const containers = podContainers(applied, run.docs, index, attempt);
  const main = containers.find((x) => !x.init)!;
  const env = (c: SimContainer) => ({ ...c.env, AWS_ENDPOINT_URL_SQS: c.init ? endpoint() : (opts.sqsEndpoint ?? endpoint()), AWS_ENDPOINT_URL_S3: endpoint() });
  let started!: (c: ChildProcess) => void;
  const child = new Promise<ChildProcess>((resolve) => (started = resolve));
  const done = (async () => {
    for (const c of containers.filter((x) => x.init)) {
      const r = await runCli(c.args, { env: env(c) });
      if (r.code !== 0) throw new Error(`${main.env.POD_NAME} ${c.name}: exit ${r.code}: ${r.stderr}`);
    }
    return runCli(main.args, { env: env(main), onSpawn: started, timeoutMs: 200_000 });
  })();
  return { name: main.env.POD_NAME, child, done };
}

/** The attempt's object in the ledger, once one is there whose `ready` holds (polled, bounded). */
async function checkpointOf(run: Run, pod: Pod, ready: (r: Result) => boolean, timeoutMs = 60_000): Promise<Result> {
  const s3 = s3Client();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `runs/${run.runId}/` }));
    for (const o of list.Contents ?? []) {
      if (!o.Key!.endsWith('.json')) continue;
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToString();
      const r = JSON.parse(body) as Result;
      if (r.attempt?.pod === pod.name && ready(r)) return r;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no checkpoint of ${pod.name} within ${timeoutMs} ms`);
}

async function report(run: Run, ...extra: string[]): Promise<{ run: CliRun; merged: Result }> {
  const r = await runCli(['report', results, '--run-id', run.runId, '--json', ...extra], { env: { AWS_ENDPOINT_URL_S3: endpoint() } });
  return { run: r, merged: r.code === 2 ? (undefined as unknown as Result) : (JSON.parse(r.stdout) as Result) };
}

async function queuesEmpty(run: Run): Promise<void> {
  for (let i = 1; i <= 2; i++) {
    const url = (await sdk().send(new GetQueueUrlCommand({ QueueName: `${run.prefix}-${i}` }))).QueueUrl!;
    expect(await depth(sdk(), url), `${run.prefix}-${i}`).toBe(0);
  }
}

describe('the run ledger: pod attempts killed and retried, merged exactly or with a stated bound', () => {
  beforeAll(async () => {
    await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it('a send pod SIGTERMed mid-run and retried after the drains went idle: sent = total, nothing missing, duplicated or resent', async () => {
    // 2 x 4,000 at 1,000 msg/s: each send pod runs ~8 s.
    const run = render('term', 2, 8000, { send: ['SQS_BLAST_RATE=1000'] });
    const drains = [0, 1].map((i) => startPod(run, 'drain', i));
    const send0 = startPod(run, 'send', 0);
    const first = startPod(run, 'send', 1);
    const progress = await checkpointOf(run, first, (r) => r.sent >= 500);
    (await first.child).kill('SIGTERM');
    const stopped = await first.done;
    expect(stopped.code, stopped.stderr).toBe(143);
    // The drains have seen everything sent so far and gone idle; a silent run must not end them.
    await new Promise((r) => setTimeout(r, 4000));
    const retry = startPod(run, 'send', 1, 1);
    const retried = await retry.done;
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stderr).toMatch(/send shard 1: 1 earlier attempt .* resuming there/);
    expect((await send0.done).code).toBe(0);
    for (const d of drains) expect((await d.done).code).toBe(0);

    const { run: r, merged } = await report(run);
    expect(r.code, r.stderr).toBe(0);
    expect(progress.attempt?.final).toBe(false);
    expect(merged).toMatchObject({ planned: 8000, sent: 8000, failed: 0, distinct: 8000, missing: 0, duplicates: 0 });
    expect(merged.resent ?? 0).toBe(0);
    expect(merged.unaccounted ?? 0).toBe(0);
    expect(merged.received).toBe(8000);
    await queuesEmpty(run);
  }, 180_000);

  it('a send pod SIGKILLed between checkpoints and retried: exact, and the copies both attempts sent are counted as resent', async () => {
    const run = render('kill', 2, 8000, { send: ['SQS_BLAST_RATE=1000'] });
    const drains = [0, 1].map((i) => startPod(run, 'drain', i));
    const send0 = startPod(run, 'send', 0);
    const first = startPod(run, 'send', 1);
    await checkpointOf(run, first, (r) => r.sent >= 500);
    (await first.child).kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const retried = await startPod(run, 'send', 1, 1).done;
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stderr).toMatch(/counted as resent/);
    expect((await send0.done).code).toBe(0);
    for (const d of drains) expect((await d.done).code).toBe(0);

    const { run: r, merged } = await report(run);
    expect(r.code, r.stderr).toBe(0);
    expect(merged).toMatchObject({ planned: 8000, sent: 8000, failed: 0, distinct: 8000, missing: 0, duplicates: 0 });
    // fauxqs never delivers a message twice: every copy beyond the first is one both attempts sent.
    expect(merged.resent ?? 0).toBe(merged.received - 8000);
    expect(merged.unfinished).toEqual([expect.objectContaining({ kind: 'send', shard: 1, pod: first.name })]);
    expect(r.stderr).toMatch(/send shard 1 \(pod .*\) stopped without a result .* a later attempt resumed the shard/);
    await queuesEmpty(run);
  }, 180_000);

  it('sends SQS refused are failed, never missing', async () => {
    const proxy = new FaultProxy(endpoint(), 7);
    proxy.rules = [{ fault: 'queueMissing', p: 0.2, action: 'SendMessageBatch' }];
    await proxy.start();
    try {
      const run = render('refused', 1, 3000);
      const send = await startPod(run, 'send', 0, 0, { sqsEndpoint: proxy.endpoint }).done;
      const drain = await startPod(run, 'drain', 0).done;
      expect(drain.code, drain.stderr).toBe(0);
      const refused = proxy.injected['SendMessageBatch:queueMissing'] * 10;
      expect(refused).toBeGreaterThan(0);
      expect(send.stdout).toContain('QueueDoesNotExist');
      const { run: r, merged } = await report(run);
      expect(r.code, r.stderr).toBe(1);
      expect(merged).toMatchObject({ failed: refused, sent: 3000 - refused, distinct: 3000 - refused, missing: 0 });
      expect(merged.seenFailed ?? 0).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`${refused.toLocaleString('en-US')} failed`));
      expect(r.stderr).not.toMatch(/missing [1-9]/);
    } finally {
      await proxy.kill();
    }
  }, 180_000);

  it('a drain pod SIGKILLed mid-run and retried: nothing missing; what it may have taken is unaccounted, bounded and named', async () => {
    const run = render('dkill', 2, 8000, { send: ['SQS_BLAST_RATE=1000'] });
    const victim = startPod(run, 'drain', 1);
    const drain0 = startPod(run, 'drain', 0);
    const sends = [0, 1].map((i) => startPod(run, 'send', i));
    await checkpointOf(run, victim, (r) => r.received >= 300);
    (await victim.child).kill('SIGKILL');
    const retry = startPod(run, 'drain', 1, 1);
    for (const s of sends) expect((await s.done).code).toBe(0);
    expect((await retry.done).code).toBe(0);
    expect((await drain0.done).code).toBe(0);

    const { run: r, merged } = await report(run);
    expect(merged.missing).toBe(0);
    expect(merged.sent).toBe(8000);
    // Every acknowledged message is seen or unaccounted: nothing is dropped from the books. How
    // many the killed drain took after its checkpoint depends on where the kill fell (0 when its
    // deletes had not gone out: those messages came back to the others), so both are allowed.
    const unaccounted = merged.unaccounted ?? 0;
    expect(merged.distinct + unaccounted).toBe(8000);
    expect(merged.unfinished).toEqual([expect.objectContaining({ kind: 'drain', shard: 1, pod: victim.name })]);
    expect(r.stderr).toContain(`drain shard 1 (pod ${victim.name}) stopped without a result`);
    if (unaccounted) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`up to ${unaccounted.toLocaleString('en-US')} acknowledged messages`);
      expect(r.stderr).toMatch(/unaccounted \(not proven lost/);
    } else expect(r.code, r.stderr).toBe(0);
    await queuesEmpty(run);
  }, 180_000);

  it('one run id applied twice (two controller uids) is refused, and merged one apply at a time by choice', async () => {
    const run = render('twice', 1, 1000);
    expect((await startPod(run, 'send', 0).done).code).toBe(0);
    expect((await startPod(run, 'drain', 0).done).code).toBe(0);
    const again = { send: randomUUID(), drain: randomUUID() };
    // The second apply's pods find the queues empty; the first apply's done marker must not fool its drain.
    expect((await startPod(run, 'send', 0, 0, { uid: again.send }).done).code).toBe(0);
    expect((await startPod(run, 'drain', 0, 0, { uid: again.drain }).done).code).toBe(0);
    const refused = await report(run);
    expect(refused.run.code).toBe(2);
    expect(refused.run.stderr).toContain(run.uids.send);
    expect(refused.run.stderr).toContain(again.send);
    expect(refused.run.stderr).toMatch(/--job-uid/);
    expect(refused.run.stderr.trim().split('\n')).toHaveLength(1);
    for (const uids of [run.uids, again]) {
      const { run: r, merged } = await report(run, '--job-uid', uids.send, '--job-uid', uids.drain);
      expect(r.code, r.stderr).toBe(0);
      expect(merged).toMatchObject({ sent: 1000, distinct: 1000, missing: 0, duplicates: 0, parts: 2 });
    }
  }, 180_000);

  it('two runs at once on default settings each get their own queues and merge exactly', async () => {
    const runs = [render('pa', 2, 4000, { defaultPrefix: true }), render('pb', 2, 4000, { defaultPrefix: true })];
    expect(runs[0].prefix).toBe(`sqs-blast-${runs[0].runId}`);
    const pods = runs.flatMap((run) => [0, 1].flatMap((i) => [startPod(run, 'drain', i), startPod(run, 'send', i)]));
    for (const p of pods) expect((await p.done).code).toBe(0);
    for (const run of runs) {
      const { run: r, merged } = await report(run);
      expect(r.code, r.stderr).toBe(0);
      expect(merged).toMatchObject({ sent: 4000, distinct: 4000, missing: 0, duplicates: 0, foreign: 0 });
      await queuesEmpty(run);
    }
  }, 180_000);
});
