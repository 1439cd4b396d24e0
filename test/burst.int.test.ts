import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs bench module without types
import { startResponder } from '../bench/fidelity/responder.mjs';
import { CapacityProxy } from './capacity-proxy.js';
import { endpoint, runCli, uniquePrefix } from './helpers.js';

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

  it('bad burst input is one line naming the flag, exit 2', async () => {
    for (const [args, flag] of [[['--step-factor', '1'], '--step-factor'], [['--rate', '100'], '--rate'], [['--ceiling', '10'], '--ceiling']] as const) {
      const run = await runCli(['burst', '--endpoint', endpoint(), ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(flag);
    }
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
      expect(s.verdict).toContain('client-limited: add --workers or pods');
      expect(s.verdict).not.toContain("server's limit");
    } finally {
      await responder.stop();
    }
  }, 130_000);
});
