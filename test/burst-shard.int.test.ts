import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapacityProxy } from './capacity-proxy.js';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { ResultCollector } from '../src/result/lines.js';
import { runCli, endpoint, s3Client, uniquePrefix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-burst-shard-'));
const CALLS_PER_SECOND = 50; // 10 messages a call: 500 msg/s for the whole fleet

describe('burst --shards: one shared ladder, judged by report', () => {
  let proxy: CapacityProxy;
  beforeAll(async () => {
    proxy = new CapacityProxy(endpoint(), CALLS_PER_SECOND);
    await proxy.start();
  });
  afterAll(() => proxy.stop());

  it(`two shards against a front limited to ${CALLS_PER_SECOND * 10} msg/s: their steps start together, and report of both (a file and S3, or their logs) finds the limit within 15%; one alone is refused`, async () => {
    const prefix = uniquePrefix('burst-shard');
    // Shard 0 writes a file, shard 1 an S3 object (fauxqs serves S3): report reads both kinds at once.
    const bucket = uniquePrefix('bshard').toLowerCase();
    const s3 = s3Client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();
    const stored = `s3://${bucket}/bursts/`;
    // Enough lead for two Node processes to start on a busy two-core machine (~3 s seen).
    const startAt = Math.ceil(Date.now() / 1000) + 6;
    const shard = (i: number) =>
      runCli([
        'burst', '--endpoint', proxy.endpoint, '--queue-prefix', prefix, '--create-queues', '--message-size', '256',
        '--shards', '2', '--shard', String(i), '--run-id', 'bshard1', '--start-at', String(startAt),
        '--start-rate', '200', '--step-factor', '1.5', '--step-duration', '2', '--step-gap', '2', '--ceiling', '2000',
        '--out', i === 0 ? join(tmp, 'shard-0.json') : stored,
      ], { timeoutMs: 80_000, env: { AWS_ENDPOINT_URL_S3: endpoint() } });
    const runs = await Promise.all([shard(0), shard(1)]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(runs[1].stdout).toMatch(new RegExp(`^stored {5}s3://${bucket}/bursts/bshard1/burst-0001-of-0002-`, 'm'));
    // Shard 1's document as its log has it (the result lines on stdout).
    const lines = new ResultCollector();
    lines.add(runs[1].stdout, 'shard 1 stdout');
    const docs = [JSON.parse(readFileSync(join(tmp, 'shard-0.json'), 'utf8')), lines.bursts()[0].burst];
    for (const d of docs) {
      expect(d).toMatchObject({ kind: 'burst', schema: 'sqs-blast/burst@2', runId: 'bshard1', shards: 2 });
      expect(d.skipped.filter((k: number) => k < 3), runs.map((r) => r.stderr).join('\n')).toEqual([]);
    }
    // Every step both ran started at the same moment in both (within 100 ms), at its planned one.
    const common = docs[0].steps.filter((s: { index: number }) => docs[1].steps.some((t: { index: number }) => t.index === s.index));
    expect(common.length).toBeGreaterThanOrEqual(4);
    for (const s of common) {
      const t = docs[1].steps.find((x: { index: number }) => x.index === s.index);
      expect(Math.abs(s.window.startedAt - t.window.startedAt)).toBeLessThan(100);
      expect(s.window.plannedStartAt).toBe(startAt * 1000 + s.index * 5000);
      expect(Math.abs(s.window.startedAt - s.window.plannedStartAt)).toBeLessThan(100);
      expect(s.result.sent).toBeGreaterThan(0);
    }
    // Throttled above the capacity, each shard saw its own step fail the fleet's whatever the other did.
    expect(docs.some((d) => /whatever the other shards did/.test(d.stopped)), JSON.stringify(docs.map((d) => d.stopped))).toBe(true);

    const out = join(tmp, 'report.json');
    const report = await runCli(['report', join(tmp, 'shard-0.json'), stored, '--run-id', 'bshard1', '--endpoint', endpoint(), '--out', out, '--html', join(tmp, 'report.html')]);
    expect(report.code, report.stderr).toBe(0);
    const s = JSON.parse(readFileSync(out, 'utf8')).search;
    const table = JSON.stringify(s.steps);
    expect(Math.abs(s.sustainedMsgPerSec - CALLS_PER_SECOND * 10), table).toBeLessThanOrEqual(0.15 * CALLS_PER_SECOND * 10);
    expect(s.limit.clientLimited).toBe(false);
    expect(s.steps.find((x: { target: number }) => x.target === s.limit.target).throttles).toBeGreaterThan(0);
    // The fleet's step, not one shard's share: achieved adds both shards' messages.
    expect(s.steps[0].target).toBe(200);
    expect(s.steps[0].achieved).toBeGreaterThanOrEqual(194);
    expect(report.stdout).toMatch(/^sustained \d+ msg\/s; the server's limit/m);
    expect(readFileSync(join(tmp, 'report.html'), 'utf8')).toContain(`knee ${s.sustainedMsgPerSec}`);

    // The result lines on stdout (the pods' logs) give the same verdict.
    const logs = await runCli(['report', '-', '--json'], { input: runs.map((r) => r.stdout).join('\n') });
    expect(logs.code, logs.stderr).toBe(0);
    expect(JSON.parse(logs.stdout).search.sustainedMsgPerSec).toBe(s.sustainedMsgPerSec);

    const alone = await runCli(['report', join(tmp, 'shard-0.json')]);
    expect(alone.code).toBe(2);
    expect(alone.stderr.trim().split('\n')).toHaveLength(1);
    expect(alone.stderr).toMatch(/step 1 \(200 msg\/s\) is missing shard 1 of 2/);
  }, 90_000);

  it('a shard stopped between steps keeps its document: written, the rest skipped, exit 143', async () => {
    const out = join(tmp, 'stopped.json');
    const run = await runCli(
      ['burst', '--endpoint', endpoint(), '--queue-prefix', uniquePrefix('burst-stop'), '--create-queues', '--shards', '2', '--shard', '0', '--run-id', 'bstop', '--start-at', String(Math.ceil(Date.now() / 1000) + 60), '--ceiling', '3000', '--out', out],
      // 10 s in: well past start-up (a signal before the handlers are in kills the process with no
      // document; ~3 s seen on a loaded machine), still 50 s before the first step.
      { onSpawn: (child) => setTimeout(() => child.kill('SIGTERM'), 10_000) },
    );
    expect(run.code, run.stderr).toBe(143);
    const d = JSON.parse(readFileSync(out, 'utf8'));
    expect(d).toMatchObject({ schema: 'sqs-blast/burst@2', stopped: 'interrupted by SIGTERM', steps: [], skipped: [0, 1, 2] });
  });

  it('bad sharded-burst input is one line naming the flag, exit 2', async () => {
    for (const [args, flag] of [
      [['--shards', '2', '--run-id', 'x'], '--start-at'],
      [['--shards', '2', '--run-id', 'x', '--start-at', 'tomorrow'], '--start-at'],
      [['--shards', '2', '--run-id', 'x', '--start-at', '1700000000', '--refine-steps', '2'], '--refine-steps'],
      [['--step-gap', '3'], '--step-gap'],
    ] as const) {
      const run = await runCli(['burst', '--endpoint', endpoint(), ...args]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(flag);
    }
    const env = await runCli(['burst', '--endpoint', endpoint(), '--shards', '2', '--run-id', 'x'], { env: { SQS_BLAST_START_AT: 'later' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('SQS_BLAST_START_AT');
  });
});
