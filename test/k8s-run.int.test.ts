/**
 * `sqs-blast k8s run|delete` and `report --wait` against a fake cluster (test/k8s.cluster.ts)
 * reached through a kubectl stand-in on PATH: the rendered Jobs' pods run as local processes with
 * exactly their environment, on the real local server's SQS and S3. Nothing of the AWS SDK is
 * mocked; the cluster is the only stand-in, and it is driven only through kubectl's command line.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../src/result/document.js';
import { FakeCluster, type FakePod } from './k8s.cluster.js';
import { endpoint, runCli, s3Client, sdk, type CliOptions, type CliRun } from './helpers.js';

const bucket = `k8srun-${process.pid}-${Date.now().toString(36)}`;
const results = `s3://${bucket}/runs/`;
const cluster = new FakeCluster();

const newRunId = (label: string) => `${label}${Date.now().toString(36)}`.slice(0, 24);

/** Small, quick runs: 1 KiB messages on 2 queues, checkpoints every second, drains done 2 s after the run. */
function runArgs(runId: string, ...extra: string[]): string[] {
  return [
    'k8s', 'run', '--run-id', runId, '--results', results, '--endpoint', endpoint(), '--queues', '2', '--message-size', '1024',
    '--idle-timeout', '2', '--start-timeout', '60', '--poll-interval', '1', '--json', '--timeout', '80',
    '--send-env', 'SQS_BLAST_CHECKPOINT_INTERVAL=1', '--drain-env', 'SQS_BLAST_CHECKPOINT_INTERVAL=1', '--drain-env', 'SQS_BLAST_VISIBILITY_TIMEOUT=5',
    ...extra,
  ];
}

function k8s(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  return runCli(args, { timeoutMs: 90_000, ...opts, env: { ...cluster.env(), ...opts.env } });
}

async function queueExists(name: string): Promise<boolean> {
  try {
    await sdk().send(new GetQueueUrlCommand({ QueueName: name }));
    return true;
  } catch {
    return false;
  }
}

/** The run's attempt objects in S3 now. */
async function ledger(runId: string): Promise<Result[]> {
  const s3 = s3Client();
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `runs/${runId}/` }));
  const out: Result[] = [];
  for (const o of list.Contents ?? []) {
    if (!o.Key!.endsWith('.json')) continue;
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToString();
    try {
      out.push(JSON.parse(body) as Result);
    } catch {
      // caught mid-overwrite: the next look reads it whole
    }
  }
  return out;
}

async function until<T>(what: string, look: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await look();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

const podOf = (runId: string, role: 'send' | 'drain', index: number, attempt = 0): FakePod | undefined =>
  cluster.podsOf(runId).find((p) => p.job.doc.metadata.name.endsWith(`-${role}`) && p.index === index && p.attempt === attempt);

describe('k8s run / k8s delete / report --wait through kubectl', () => {
  beforeAll(async () => {
    await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
    await cluster.start();
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('without --results: one line naming the flag, exit 2, nothing applied', async () => {
    const r = await k8s(['k8s', 'run', '--shards', '2', '--total', '100', '--endpoint', endpoint()]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^sqs-blast: k8s run needs --results s3:\/\/BUCKET\/PREFIX\//)]);
    expect(cluster.calls).toEqual([]);
  });

  it('a kubectl that cannot run: one line naming --kubectl, exit 2, and the queues made for the run are gone again', async () => {
    const runId = newRunId('nokube');
    const r = await k8s(runArgs(runId, '--shards', '1', '--total', '100', '--kubectl', '/nonexistent/kubectl'));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^sqs-blast: --kubectl \/nonexistent\/kubectl: cannot run it \(ENOENT\); install kubectl .* or give its path with --kubectl PATH$/m);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(await queueExists(`sqs-blast-${runId}-1`)).toBe(false);
  });

  it('end to end: queues made once, applied, progress, one merged verdict (sent = total, nothing missing), queues removed', async () => {
    const runId = newRunId('e2e');
    const started = Date.now();
    const r = await k8s(runArgs(runId, '--shards', '2', '--total', '20000'));
    console.log(`k8s run e2e: exit ${r.code} in ${Date.now() - started} ms\n${r.stderr}`);
    expect(r.code, r.stderr).toBe(0);
    const merged = JSON.parse(r.stdout) as Result;
    expect(merged).toMatchObject({ runId, planned: 20000, sent: 20000, failed: 0, distinct: 20000, missing: 0, duplicates: 0, received: 20000 });
    expect(merged.unfinished).toBeUndefined();
    expect(r.stderr).toMatch(/pods \d+ pending, \d+ running, \d+ succeeded, \d+ failed; \d\/4 shards final, sent [\d,]+, received [\d,]+/);
    // The pods ran no queue setup: k8s run made the queues, and removed them after the report.
    const docs = cluster.podsOf(runId).map((p) => p.job.doc);
    expect(docs.every((d) => !d.spec.template.spec.initContainers)).toBe(true);
    expect(cluster.podsOf(runId).map((p) => p.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    expect(await queueExists(`sqs-blast-${runId}-1`)).toBe(false);
    expect(r.stderr).toMatch(/deleted 2 queue\(s\)/);
  }, 90_000);

  it('Ctrl-C mid-run suspends both Jobs, waits for the stopped pods\u2019 results, still reports, exit 130', async () => {
    const runId = newRunId('int');
    let child: import('node:child_process').ChildProcess | undefined;
    const started = Date.now();
    const running = k8s(runArgs(runId, '--shards', '2', '--total', '200000', '--rate', '2000', '--keep-queues'), { onSpawn: (c) => (child = c) });
    // Once all four pods (two send, two drain) have checkpointed, and so are past their start-up:
    // a pod signalled while it still starts exits with no result (src/run/signals.ts), which on a
    // busy machine made `parts` 3 when the first progress line came before the last pod was up.
    await until('a checkpoint of every pod', async () => {
      const pods = new Set((await ledger(runId)).flatMap((x) => (x.attempt && !x.attempt.final ? [x.attempt.pod] : [])));
      return pods.size >= 4 ? pods : undefined;
    });
    child!.kill('SIGINT');
    const r = await running;
    console.log(`k8s run Ctrl-C: exit ${r.code} in ${Date.now() - started} ms\n${r.stderr}`);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: suspending the Jobs/);
    expect(r.stderr).toMatch(/STOPPED  exit 130: interrupted by SIGINT/);
    const merged = JSON.parse(r.stdout) as Result;
    expect(merged.sent).toBeGreaterThan(0);
    expect(merged.sent).toBeLessThan(200000);
    // Every pod stopped by the suspend wrote its final result before the report: none is unfinished.
    expect(merged.unfinished).toBeUndefined();
    expect(merged.parts).toBe(4);
    const patched = cluster.calls.filter((c) => c[0] === 'patch').map((c) => c[2]);
    expect(patched.sort()).toEqual([`sqs-blast-${runId}-drain`, `sqs-blast-${runId}-send`]);
    expect(cluster.podsOf(runId).every((p) => p.phase === 'Failed' || p.phase === 'Succeeded')).toBe(true);
    // --keep-queues: what the stopped drains left is still there.
    expect(await queueExists(`sqs-blast-${runId}-1`)).toBe(true);

    // k8s delete: the Jobs leave the cluster, the queues the server.
    const d = await k8s(['k8s', 'delete', runId, '--endpoint', endpoint()]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain(`job.batch "sqs-blast-${runId}-send" deleted`);
    expect(d.stdout).toMatch(new RegExp(`queue sqs-blast-${runId}-2 deleted`));
    expect([...cluster.jobs.keys()].filter((k) => k.includes(runId))).toEqual([]);
    expect(await queueExists(`sqs-blast-${runId}-1`)).toBe(false);
    expect(await queueExists(`sqs-blast-${runId}-2`)).toBe(false);
  }, 90_000);

  it('a send pod SIGKILLed mid-run is retried as a new attempt (the Job controller\u2019s way): the send is still exact', async () => {
    const runId = newRunId('kill');
    const started = Date.now();
    const running = k8s(runArgs(runId, '--shards', '2', '--total', '8000', '--rate', '1000'));
    // Kill shard 1's first pod once the ledger holds a checkpoint of its progress.
    const victim = await until('send pod 1', () => podOf(runId, 'send', 1));
    await until('a checkpoint of send shard 1', async () => (await ledger(runId)).find((x) => x.attempt?.pod === victim.name && x.sent >= 500 && !x.attempt.final));
    cluster.kill(victim, 'SIGKILL');
    const r = await running;
    console.log(`k8s run with a SIGKILLed send pod: exit ${r.code} in ${Date.now() - started} ms\n${r.stderr}`);
    expect((await victim.done).signal).toBe('SIGKILL');
    const retry = podOf(runId, 'send', 1, 1);
    expect(retry?.phase).toBe('Succeeded');
    expect(retry!.name).not.toBe(victim.name);
    expect(r.code, r.stderr).toBe(0);
    const merged = JSON.parse(r.stdout) as Result;
    expect(merged).toMatchObject({ planned: 8000, sent: 8000, failed: 0, distinct: 8000, missing: 0, duplicates: 0 });
    // fauxqs delivers each message once: every copy beyond the first was sent by both attempts.
    expect(merged.resent ?? 0).toBe(merged.received - 8000);
    expect(merged.unfinished).toEqual([expect.objectContaining({ kind: 'send', shard: 1, pod: victim.name })]);
    expect(r.stderr).toMatch(/send shard 1 \(pod .*\) stopped without a result .* a later attempt resumed the shard/);
  }, 90_000);

  it('--timeout before every shard is final: reports what is there, names the shards lacking, exit 1, leaves Jobs and queues to k8s delete', async () => {
    const runId = newRunId('late');
    const args = runArgs(runId, '--shards', '2', '--total', '100000', '--rate', '1000').map((a, i, all) => (all[i - 1] === '--timeout' ? '4' : a));
    const r = await k8s(args);
    console.log(`k8s run past --timeout: exit ${r.code}\n${r.stderr.split('\n').slice(-8).join('\n')}`);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/--timeout 4 s passed/);
    expect(r.stderr).toMatch(/warning: no final result yet for send shards 0, 1; drain shards 0, 1: the report is what the ledger held/);
    expect(r.stderr).toMatch(/FAIL  exit 1/);
    expect(await queueExists(`sqs-blast-${runId}-1`)).toBe(true);
    const d = await k8s(['k8s', 'delete', runId, '--endpoint', endpoint()]);
    expect(d.code, d.stderr).toBe(0);
    expect(await queueExists(`sqs-blast-${runId}-1`)).toBe(false);
    await Promise.all(cluster.podsOf(runId).map((p) => p.done));
    expect(cluster.podsOf(runId).every((p) => p.phase === 'Failed')).toBe(true);
  }, 90_000);

  it('report --wait, for a plain kubectl apply: returns once the last shard\u2019s final result lands, with the merged run', async () => {
    const runId = newRunId('wait');
    const yaml = await runCli(['k8s', 'manifests', '--run-id', runId, '--shards', '2', '--total', '6000', '--rate', '1500', '--queues', '2', '--message-size', '1024',
      '--idle-timeout', '2', '--endpoint', endpoint(), '--results', results, '--send-env', 'SQS_BLAST_CHECKPOINT_INTERVAL=1', '--drain-env', 'SQS_BLAST_CHECKPOINT_INTERVAL=1']);
    expect(yaml.code, yaml.stderr).toBe(0);
    // The GitOps way: the YAML goes to kubectl (the stand-in on PATH), and the report waits on S3.
    const applied = await new Promise<number | null>((resolve) => {
      const child = spawn('kubectl', ['apply', '-f', '-'], { env: { ...process.env, ...cluster.env() }, stdio: ['pipe', 'ignore', 'inherit'] });
      child.stdin.end(yaml.stdout);
      child.on('close', resolve);
    });
    expect(applied).toBe(0);
    const pods = await until('4 pods', () => (cluster.podsOf(runId).length === 4 ? cluster.podsOf(runId) : undefined));
    let lastExit = 0;
    for (const p of pods) void p.done.then(() => (lastExit = Math.max(lastExit, Date.now())));
    const r = await runCli(['report', results, '--run-id', runId, '--wait', '--poll-interval', '1', '--timeout', '80', '--json'], { env: { AWS_ENDPOINT_URL_S3: endpoint() }, timeoutMs: 90_000 });
    const returned = Date.now();
    console.log(`report --wait: exit ${r.code}, ${returned - lastExit} ms after the last pod exited\n${r.stderr}`);
    expect(r.code, r.stderr).toBe(0);
    // It waited (some look found shards still running), and every pod had written its final result.
    expect(r.stderr).toMatch(/waiting for run .*: [0-3]\/4 shards final/);
    const objects = await ledger(runId);
    expect(objects.filter((o) => o.attempt?.final)).toHaveLength(4);
    expect(pods.every((p) => p.phase === 'Succeeded' || p.phase === 'Running')).toBe(true);
    expect(Math.abs(returned - lastExit)).toBeLessThan(6000);
    const merged = JSON.parse(r.stdout) as Result;
    expect(merged).toMatchObject({ sent: 6000, distinct: 6000, missing: 0, duplicates: 0 });
    // The pods made the queues (setup: init): k8s delete removes them, with no Job left to delete.
    await Promise.all(pods.map((p) => p.done));
    const d = await k8s(['k8s', 'delete', runId, '--endpoint', endpoint()]);
    expect(d.code, d.stderr).toBe(0);
    expect(await queueExists(`sqs-blast-${runId}-1`)).toBe(false);
  }, 90_000);

});
