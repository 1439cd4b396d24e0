import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpoint, runCli, uniquePrefix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-pacing-'));
const sum = (a: number[] = []) => a.reduce((x, y) => x + y, 0);

describe('pacing: --stages and --warmup against the real local server', () => {
  it('--stages 3s:2000,3s:2000 sends ~9,000, each stage within 10% of its integral, target beside sent per second', async () => {
    const out = join(tmp, 'stages.json');
    const run = await runCli([
      'send', '--endpoint', endpoint(), '--queue-prefix', uniquePrefix('stages'), '--create-queues',
      '--stages', '3s:2000,3s:2000', '--message-size', '256', '--out', out, '--quiet', '--result-line=false',
    ], { timeoutMs: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(Math.abs(r.sent - 9000)).toBeLessThanOrEqual(900);
    expect(r.failed).toBe(0);
    const { target, sent } = r.timeline.series as Record<string, number[]>;
    // The target series is the schedule's integral per wall-clock second: 3,000 + 6,000.
    expect(Math.abs(sum(target) - 9000)).toBeLessThanOrEqual(5);
    // Per stage: the seconds in which the target still ramps vs those in which it holds.
    const startSecond = r.timeline.start;
    const t0 = r.phases.send.startedAt;
    const rampEnd = Math.floor((t0 + 3000 - startSecond) / 1000);
    const stage1 = [sum(target.slice(0, rampEnd)), sum(sent.slice(0, rampEnd))];
    const stage2 = [sum(target.slice(rampEnd)), sum(sent.slice(rampEnd))];
    for (const [want, got] of [stage1, stage2]) expect(Math.abs(got - want)).toBeLessThanOrEqual(0.1 * want);
    expect(stage2[0]).toBeGreaterThan(stage1[0]);
  });

  it('--warmup: its calls are sent and counted apart, out of latency and msg/s; integrity still counts them', async () => {
    const out = join(tmp, 'warmup.json');
    const run = await runCli([
      'send', '--endpoint', endpoint(), '--queue-prefix', uniquePrefix('warm'), '--create-queues',
      '--rate', '1000', '--warmup', '1', '--duration', '2', '--message-size', '256', '--out', out, '--quiet', '--result-line=false',
    ], { timeoutMs: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(Math.abs(r.sent - 3000)).toBeLessThanOrEqual(150);
    expect(Math.abs(r.warmupSent - 1000)).toBeLessThanOrEqual(50);
    expect(r.warmupCalls).toBe(Math.ceil(r.warmupSent / 10));
    expect(r.latency.count).toBe((r.sent - r.warmupSent) / 10);
    expect(r.integrity[0].sent).toBe(r.sent);
    // msg/s over the measured 2 s only (a throughput including the warm-up would read ~1,500).
    expect(Math.abs(r.throughput.send - 1000)).toBeLessThanOrEqual(100);
  });

  it('bad --stages and --warmup are one line naming the flag, exit 2', async () => {
    for (const args of [['--stages', '30:fast'], ['--stages', '1s:10', '--rate', '10'], ['--warmup', 'soon']]) {
      const run = await runCli(['send', '--endpoint', endpoint(), ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/--(stages|warmup)/);
    }
  });
});
