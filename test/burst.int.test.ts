import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs bench module without types
import { startResponder } from '../bench/fidelity/responder.mjs';
import { CapacityProxy } from './capacity-proxy.js';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { endpoint, runCli, sdk, uniquePrefix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-burst-'));
const CALLS_PER_SECOND = 50; // 10 messages a call: 500 msg/s

describe('burst: find where it breaks', () => {
  let proxy: CapacityProxy;
  beforeAll(async () => {
    proxy = new CapacityProxy(endpoint(), CALLS_PER_SECOND);
    await proxy.start();
  });
  afterAll(() => proxy.stop());

  it(`finds a front limited to ${CALLS_PER_SECOND} SendMessageBatch calls/s (${CALLS_PER_SECOND * 10} msg/s) within 15%, and calls it the server's limit`, async () => {
    const out = join(tmp, 'capacity.json');
    const run = await runCli([
      'burst', '--endpoint', proxy.endpoint, '--queue-prefix', uniquePrefix('burst'), '--create-queues', '--message-size', '256',
      '--start-rate', '200', '--step-factor', '1.5', '--step-duration', '2', '--refine-steps', '3', '--slo-errors', '1', '--out', out, '--html', join(tmp, 'burst.html'),
    ], { timeoutMs: 120_000 });
    expect(run.code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    const s = doc.search;
    expect(Math.abs(s.sustainedMsgPerSec - CALLS_PER_SECOND * 10)).toBeLessThanOrEqual(0.15 * CALLS_PER_SECOND * 10);
    expect(s.steps.length).toBeGreaterThanOrEqual(4);
    expect(s.steps.some((x: { phase: string }) => x.phase === 'refine')).toBe(true);
    expect(s.limit.clientLimited).toBe(false);
    expect(s.steps.find((x: { target: number }) => x.target === s.limit.target).throttles).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/^sustained \d+ msg\/s; the server's limit/m);
    expect(proxy.throttled).toBeGreaterThan(0);
    // HTML: achieved vs target and p99 vs target, a point per step in each, the knee marked at the sustained rate.
    const html = readFileSync(join(tmp, 'burst.html'), 'utf8');
    expect(html.match(/<circle /g)).toHaveLength(2 * s.steps.length);
    expect(html.match(/class="knee"/g)).toHaveLength(2);
    expect(html).toContain(`knee ${s.sustainedMsgPerSec}`);
  }, 130_000);

  it('--drain: consumers capped at a known capacity fail the first step above it for depth growth, and the verdict names them', async () => {
    // One drain thread holding at most 40 messages, each worked on for 100 ms: 400 msg/s at
    // most (a little less: each poll of 10 also waits for its receive and its delete).
    const CAPACITY = 400;
    const prefix = uniquePrefix('burst-drain');
    const out = join(tmp, 'drain.json');
    const run = await runCli([
      'burst', '--drain', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--message-size', '256',
      '--drain-workers', '1', '--drain-concurrency', '4', '--max-in-flight', '40', '--process-time', '100ms', '--wait-time', '1',
      '--start-rate', '250', '--step-factor', '1.4', '--step-duration', '3', '--refine-steps', '1', '--out', out, '--html', join(tmp, 'drain.html'),
    ], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const s = JSON.parse(readFileSync(out, 'utf8')).search;
    const table = JSON.stringify(s.steps);
    // The producers are not the limit: every step achieved its target; only the backlog tells.
    const firstAbove = s.steps.find((x: { target: number }) => x.target > CAPACITY);
    expect(firstAbove.passed, table).toBe(false);
    expect(firstAbove.consumersBehind, table).toBe(true);
    expect(firstAbove.depthGrowth, table).toBeGreaterThan(0);
    expect(firstAbove.achieved, table).toBeGreaterThanOrEqual(0.97 * firstAbove.target);
    for (const x of s.steps.filter((x: { target: number }) => x.target < 0.9 * CAPACITY)) expect(x.passed, table).toBe(true);
    expect(Math.abs(s.sustainedMsgPerSec - CAPACITY), table).toBeLessThanOrEqual(0.2 * CAPACITY);
    expect(s.limit).toMatchObject({ consumersBehind: true, clientLimited: false });
    expect(run.stdout).toMatch(/^sustained \d+ msg\/s; consumers fell behind at \d+ msg\/s: depth grew by \d+ messages in the step; add --drain-workers\/--drain-concurrency or pods$/m);
    expect(run.stdout).toMatch(/depth growth/);
    expect(run.stdout).not.toContain("server's limit");
    // Each step drained its own backlog before the next began: nothing is left behind.
    const client = sdk();
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: `${prefix}-1` }));
    const q = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    client.destroy();
    expect(q.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    // The HTML gets a third chart, depth growth vs target.
    const html = readFileSync(join(tmp, 'drain.html'), 'utf8');
    expect(html.match(/<circle /g)).toHaveLength(3 * s.steps.length);
  }, 70_000);

  it('--drain on a queue holding an earlier run’s messages: the step says so instead of judging the consumers', async () => {
    const prefix = uniquePrefix('burst-left');
    const left = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--message-size', '256', '--total', '300', '--quiet']);
    expect(left.code, left.stderr).toBe(0);
    const run = await runCli([
      'burst', '--drain', '--endpoint', endpoint(), '--queue-prefix', prefix, '--message-size', '256', '--wait-time', '1',
      '--start-rate', '100', '--step-duration', '1', '--ceiling', '100', '--refine-steps', '0', '--json',
    ], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const s = JSON.parse(run.stdout).search;
    expect(s.steps).toHaveLength(1);
    expect(s.steps[0]).toMatchObject({ passed: false, foreign: 300, why: ["300 messages received that were not this step's"] });
    expect(s.verdict).toMatch(/the queue was not empty: the step at 100 msg\/s received 300 messages not of this burst/);
  }, 70_000);

  it('bad burst input is one line naming the flag, exit 2', async () => {
    for (const [args, flag] of [
      [['--step-factor', '1'], '--step-factor'],
      [['--rate', '100'], '--rate'],
      [['--ceiling', '10'], '--ceiling'],
      // A consumers' flag without --drain would be silently ignored.
      [['--drain-workers', '2'], '--drain-workers'],
      [['--process-time', '5ms'], '--process-time'],
      // burst sets each step's count itself, and a backlog cap would hide the growth.
      [['--drain', '--expect', '10'], '--expect'],
      [['--drain', '--max-backlog', '10'], '--max-backlog'],
      [['--drain', '--only-run-id', 'x'], '--only-run-id'],
      [['--drain', '--process-time', 'soon'], '--process-time'],
    ] as const) {
      const run = await runCli(['burst', '--endpoint', endpoint(), ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(flag);
    }
    // What it refuses, its help does not offer.
    const help = await runCli(['burst', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--start-rate');
    for (const flag of ['--rate', '--stages', '--total', '--duration', '--expect', '--max-backlog']) expect(help.stdout).not.toMatch(new RegExp(`^\\s+${flag}\\b`, 'm'));
  });

  it('a client too small for the rate: the verdict says client-limited, not an SQS limit', async () => {
    const responder = await startResponder({ delayMs: 0, md5: false });
    try {
      const run = await runCli([
        'burst', '--endpoint', responder.endpoint, '--queue-url', responder.queueUrl, '--workers', '1', '--concurrency', '64',
        '--message-size', '256',
        '--start-rate', '5000', '--step-factor', '4', '--step-duration', '2', '--refine-steps', '0', '--ceiling', '500000', '--json',
      ], { timeoutMs: 120_000 });
      expect(run.code).toBe(0);
      const s = JSON.parse(run.stdout).search;
      expect(s.limit.clientLimited, JSON.stringify(s.steps)).toBe(true);
      // Its worker loop saturated, or (on a crowded CI host) the host's cores: the client either way.
      expect(s.verdict).toMatch(s.limit.clientLimitedBy === 'loops' ? /client-limited: add --workers or pods \(the worker loops/ : /client-limited: add pods or a bigger node \(the client host's CPUs/);
      expect(s.verdict).not.toContain("server's limit");
    } finally {
      await responder.stop();
    }
  }, 130_000);
});
