/**
 * `run --downstream` through a user's service: the service is test/downstream-service.py, a
 * separate python3 + boto3 process that sqs-blast's code does not touch. It drops 1 in 500 of the
 * messages it reads and forwards 1 in 250 of the rest twice, each wrapped in a document of its
 * own, and writes what it did to a file; sqs-blast's `missing` and `duplicates` must be exactly
 * those counts. Also: `drain` reads wrapped messages as ours, and the bad inputs of the flag.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Result } from '../src/result/document.js';
import { createQueues, endpoint, resultFrom, runCli, sdk, uniquePrefix } from './helpers.js';

const SERVICE = fileURLToPath(new URL('./downstream-service.py', import.meta.url));

interface ServiceStats {
  received: number;
  dropped: number;
  doubled: number;
  forwarded: number;
}

const services: ChildProcess[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.kill('SIGKILL');
});

/** Starts the service and resolves once its threads poll; its stats file is read with `stats()`. */
async function startService(input: string, output: string, mode: 'string' | 'object' | 'attribute', limit = 0): Promise<() => ServiceStats> {
  const file = join(mkdtempSync(join(tmpdir(), 'downstream-')), 'stats.json');
  const child = spawn('python3', [SERVICE, endpoint(), input, output, mode, file, '3', String(limit)], { stdio: ['ignore', 'pipe', 'pipe'] });
  services.push(child);
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c) => String(c).includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`service exited ${code}: ${stderr}`)));
  });
  return () => {
    expect(stderr, 'the service failed').toBe('');
    return JSON.parse(readFileSync(file, 'utf8')) as ServiceStats;
  };
}

// Timing: the run ends --idle-timeout (8 s) after the service's last output once its input
// queue is empty (depth sampled every second); the python service forwards a few hundred msg/s
// on a busy 2-core box, so 5,000 messages take up to ~30 s. The timeouts allow 3x that. 8 s, not
// 4: this file runs beside others (vitest.config.ts), and a service that stalls for longer than
// the idle timeout while its input still holds messages would end the run early.
const RUN_FLAGS = ['--idle-timeout', '8', '--depth-interval', '1', '--workers', '1', '--drain-workers', '1', '--concurrency', '8'];

describe('run --downstream: a load test through the user’s service', () => {
  it('reports exactly the messages a forwarding service dropped (missing) and doubled (duplicates), latency through it', async () => {
    const prefix = uniquePrefix('down');
    const [input, output] = await createQueues(sdk(), prefix, 2);
    const stats = await startService(input, output, 'string');
    const html = join(mkdtempSync(join(tmpdir(), 'downstream-html-')), 'run.html');
    const run = await runCli(['run', '--endpoint', endpoint(), '--queue-url', input, '--downstream', `${prefix}-2`, '--total', '5000', '--message-size', '1024', '--html', html, ...RUN_FLAGS], { timeoutMs: 120_000 });
    const s = stats();
    const r = resultFrom(run.stdout);
    // The rule picks ~10 of 5,000 to drop and ~20 to double: the test means something only if it did.
    expect(s.received).toBe(5000);
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.doubled).toBeGreaterThan(0);
    expect(r.sent).toBe(5000);
    expect(r.missing).toBe(s.dropped);
    expect(r.duplicates).toBe(s.doubled);
    expect(r.received).toBe(s.forwarded);
    expect(r.foreign).toBe(0);
    expect(r.unaccounted ?? 0).toBe(0);
    // Every forwarded copy was timed from its own sentAt, through the service.
    expect(r.e2eLatency?.count).toBe(s.forwarded);
    expect(r.downstream).toEqual({ queues: [output], inputLeft: 0 });
    expect(r.config.downstream).toEqual([output]);
    // Missing messages fail the run, as always.
    expect(run.code, run.stderr).toBe(1);
    // The summary (on stdout, after the result lines, when stdout is not a terminal).
    expect(run.stdout).toMatch(new RegExp(`FAIL  exit 1: ${s.dropped} missing`));
    expect(run.stdout).toMatch(/through service +[\d.,]+/);
    expect(run.stdout).toContain(`service  drained its output ${prefix}-2: end-to-end is the latency through the service`);
    expect(run.stdout).toContain(`duplicates ${s.doubled} ·`);
    // The HTML report names the latency the same way.
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<div class="k">through service p99</div>');
  }, 150_000);

  it('finds the head in an embedded object and in the attribute carried over; the downstream’s own leftovers are foreign', async () => {
    for (const mode of ['object', 'attribute'] as const) {
      const prefix = uniquePrefix(`down-${mode}`);
      const [input, output] = await createQueues(sdk(), prefix, 2);
      // Three of the service's own messages are in its output before the run (one an earlier
      // run's forwarded body): consumed, counted foreign, kept out of the latency.
      await sdk().send(new SendMessageCommand({ QueueUrl: output, MessageBody: '{"order":"old"}' }));
      await sdk().send(new SendMessageCommand({ QueueUrl: output, MessageBody: 'plain text' }));
      await sdk().send(
        new SendMessageCommand({ QueueUrl: output, MessageBody: JSON.stringify({ order: { source: JSON.stringify({ id: 'x-0-1', runId: 'earlier', shard: 0, shards: 1, seq: 1, of: 5, total: 5, sentAt: 1 }) } }) }),
      );
      const stats = await startService(input, output, mode);
      const template = mode === 'attribute' ? ['--body-template', '{"order":{{seq}},"id":"{{uuid}}"}'] : ['--message-size', '1024'];
      const run = await runCli(['run', '--endpoint', endpoint(), '--queue-url', input, '--downstream', output, '--total', '1500', ...template, ...RUN_FLAGS], { timeoutMs: 120_000 });
      const s = stats();
      expect(run.stdout, run.stderr).toContain('SQS_BLAST_RESULT');
      const r = resultFrom(run.stdout);
      expect(s.received, mode).toBe(1500);
      expect(r.missing, mode).toBe(s.dropped);
      expect(r.duplicates, mode).toBe(s.doubled);
      expect(r.foreign, mode).toBe(3);
      expect(r.received, mode).toBe(s.forwarded + 3);
      expect(r.e2eLatency?.count, mode).toBe(s.forwarded);
      expect(r.runIds, mode).toEqual([r.runId]);
      expect(run.stderr, mode).toContain(`sqs-blast: downstream queue ${prefix}-2 holds 3 messages before the run: they will be consumed and counted foreign`);
      expect(run.code, run.stderr).toBe(s.dropped ? 1 : 0);
    }
  }, 200_000);

  it('calls what a stopped service left in its input queue unaccounted, not missing; what it dropped stays missing', async () => {
    const prefix = uniquePrefix('down-stop');
    const [input, output] = await createQueues(sdk(), prefix, 2);
    // The service takes about 1,000 of the 3,000 and stops: the rest wait in its input queue.
    const stats = await startService(input, output, 'string', 1000);
    const run = await runCli(['run', '--endpoint', endpoint(), '--queue-url', input, '--downstream', output, '--total', '3000', '--message-size', '1024', ...RUN_FLAGS], { timeoutMs: 120_000 });
    const s = stats();
    expect(run.stdout, run.stderr).toContain('SQS_BLAST_RESULT');
    const r = resultFrom(run.stdout);
    expect(s.received).toBeGreaterThanOrEqual(1000);
    expect(s.received).toBeLessThan(3000);
    expect(r.downstream?.inputLeft).toBe(3000 - s.received);
    expect(r.unaccounted).toBe(3000 - s.received);
    expect(r.missing).toBe(s.dropped);
    expect(r.duplicates).toBe(s.doubled);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`warning    ${(3000 - s.received).toLocaleString('en-US')} messages were still in the queues the service reads when the run ended`);
    expect(run.stdout).toMatch(/FAIL  exit 1: .*unaccounted \(not proven lost/);
  }, 150_000);

  it('two shards through one service: each pod leaves the verdict to the merge, and report of both is exact', async () => {
    const prefix = uniquePrefix('down-shards');
    const [input, output] = await createQueues(sdk(), prefix, 2);
    const stats = await startService(input, output, 'string');
    const dir = mkdtempSync(join(tmpdir(), 'downstream-shards-'));
    // Both pods drain the same output queue, so each sees part of the other's shard.
    const pod = (shard: number) =>
      runCli(['run', '--endpoint', endpoint(), '--queue-url', input, '--downstream', output, '--total', '4000', '--message-size', '1024', '--run-id', 'downshards', '--shards', '2', '--shard', String(shard), '--out', join(dir, `${shard}.json`), ...RUN_FLAGS], { timeoutMs: 120_000 });
    const pods = await Promise.all([pod(0), pod(1)]);
    const s = stats();
    for (const p of pods) {
      const r = resultFrom(p.stdout);
      expect(r.partial, p.stderr).toBe(true);
      expect(p.stdout).toMatch(/missing n\/a \(drain shard \d of 2: merge with sqs-blast report\)/);
    }
    expect(s.received).toBe(4000);
    const merged = await runCli(['report', join(dir, '0.json'), join(dir, '1.json'), '--json']);
    const m = JSON.parse(merged.stdout) as Result;
    expect(m.sent).toBe(4000);
    expect(m.missing).toBe(s.dropped);
    expect(m.duplicates).toBe(s.doubled);
    expect(m.unaccounted ?? 0).toBe(0);
    expect(m.downstream).toEqual({ queues: [output], inputLeft: 0 });
  }, 150_000);

  it('refuses bad --downstream input with one line and exit 2, before sending anything', async () => {
    const prefix = uniquePrefix('down-bad');
    const [input] = await createQueues(sdk(), prefix, 1);
    const base = ['run', '--endpoint', endpoint(), '--queue-url', input, '--total', '10'];
    const cases: Array<[string[], RegExp]> = [
      [['--downstream', `${prefix}-nope`], new RegExp(`^sqs-blast: --downstream queue ${prefix}-nope does not exist; give the queue your service writes its output to`)],
      [['--downstream', input], /^sqs-blast: --downstream .* is one of the queues sent to: give the queue your service writes to/],
      [['--downstream', `${prefix}-1`], /^sqs-blast: --downstream .* is one of the queues sent to/],
      [['--downstream', 'bad/name'], /^sqs-blast: --downstream "bad\/name" is neither a queue name .* nor a queue URL/],
      [['--downstream', `${prefix}-1`, '--max-backlog', '100'], /^sqs-blast: --max-backlog makes the senders wait on the drain, which with --downstream is your service: drop it/],
    ];
    for (const [extra, line] of cases) {
      const r = await runCli([...base, ...extra]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), extra.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(line);
    }
    const local = await runCli(['run', '--local', '--downstream', 'out', '--total', '10']);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/^sqs-blast: --downstream drains your service’s output queue, which the embedded server of --local does not hold/);
    // The environment sets it too (SQS_BLAST_DOWNSTREAM), and only run has it.
    const env = await runCli(base, { env: { SQS_BLAST_DOWNSTREAM: `${prefix}-missing` } });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/--downstream queue .*-missing does not exist/);
    const drain = await runCli(['drain', '--endpoint', endpoint(), '--queue-url', input, '--downstream', 'x']);
    expect(drain.code).toBe(2);
    expect(drain.stderr).toMatch(/Unknown argument: downstream/);
    // Nothing was sent by any of them.
    const left = await sdk().send(new ReceiveMessageCommand({ QueueUrl: input, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect(left.Messages ?? []).toHaveLength(0);
  }, 120_000);
});

describe('drain reads wrapped messages as ours', () => {
  it('counts a service’s wrapped bodies (string at depth, embedded object, SNS envelope) in the integrity bitmaps, not as foreign', async () => {
    const prefix = uniquePrefix('down-drain');
    const [a, b] = await createQueues(sdk(), prefix, 2);
    const sent = await runCli(['send', '--endpoint', endpoint(), '--queue-url', a, '--total', '300', '--message-size', '512', '--run-id', 'wrapdrain']);
    expect(sent.code, sent.stderr).toBe(0);
    // The test's own forwarder (plain SDK calls) moves every message to b, wrapped in turn three ways.
    const wrap = [
      (body: string) => JSON.stringify({ event: { detail: { payload: body } }, at: 1 }),
      (body: string) => JSON.stringify({ items: [{ input: JSON.parse(body) as unknown }] }),
      (body: string) => JSON.stringify({ Type: 'Notification', MessageId: 'm', TopicArn: 'arn:aws:sns:us-east-1:000000000000:t', Message: body }),
    ];
    let moved = 0;
    for (let empty = 0; empty < 2; ) {
      const got = await sdk().send(new ReceiveMessageCommand({ QueueUrl: a, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const ms = got.Messages ?? [];
      if (!ms.length) {
        empty++;
        continue;
      }
      await sdk().send(new SendMessageBatchCommand({ QueueUrl: b, Entries: ms.map((m, i) => ({ Id: String(i), MessageBody: wrap[(moved + i) % 3](m.Body!) })) }));
      await sdk().send(new DeleteMessageBatchCommand({ QueueUrl: a, Entries: ms.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      moved += ms.length;
    }
    expect(moved).toBe(300);
    await sdk().send(new SendMessageCommand({ QueueUrl: b, MessageBody: JSON.stringify({ runId: 'looks like it', seq: 'no' }) }));
    const drained = await runCli(['drain', '--endpoint', endpoint(), '--queue-url', b, '--expect', '301', '--wait-time', '1', '--workers', '1']);
    expect(drained.code, drained.stderr).toBe(0);
    const r = resultFrom(drained.stdout);
    expect(r.foreign).toBe(1);
    expect(r.runIds).toEqual(['wrapdrain']);
    expect(r.integrity.reduce((n, e) => n + e.distinct, 0)).toBe(300);
    expect(r.missing).toBe(0);
    expect(r.duplicates).toBe(0);
  }, 90_000);
});
