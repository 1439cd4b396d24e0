import { describe, expect, it } from 'vitest';
import { cpus } from 'node:os';
import { CpuMeter, loopBusy, LoopMeter, SATURATED } from '../src/metrics/loop.js';
import { Timeline, type TimelineJson } from '../src/metrics/timeline.js';
import { renderSummary } from '../src/report/summary.js';
import { emptyResult, finalize } from '../src/result/document.js';
import { evaluate, parseThreshold } from '../src/report/thresholds.js';

const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const sum = (xs: number[] | undefined) => (xs ?? []).reduce((a, b) => a + b, 0);
const timeline = (loopBusyMs: number[], loopMs: number[]): TimelineJson => ({ start: 0, series: { loopBusyMs, loopMs } });

describe('client saturation', () => {
  it('a worker loop meter sees busy time as busy and waiting as idle', async () => {
    const t = new Timeline(Date.now());
    const meter = new LoopMeter(t);
    spin(600);
    await new Promise((r) => setTimeout(r, 600));
    meter.stop();
    const { series } = t.toJSON();
    expect(sum(series.loopBusyMs)).toBeGreaterThanOrEqual(550);
    expect(sum(series.loopBusyMs)).toBeLessThan(900);
    expect(sum(series.loopMs)).toBeGreaterThanOrEqual(1150);
    expect(series.loopMs.every(Number.isInteger)).toBe(true);
  });

  it('a side’s loop meter records the same figures again under its side’s name (run: producers apart from consumers)', async () => {
    const t = new Timeline(Date.now());
    const meter = new LoopMeter(t, undefined, 'send');
    spin(300);
    await new Promise((r) => setTimeout(r, 300));
    meter.stop();
    const { series } = t.toJSON();
    expect(sum(series.sendLoopBusyMs)).toBeGreaterThanOrEqual(250);
    expect(series.sendLoopBusyMs).toEqual(series.loopBusyMs);
    expect(series.sendLoopMs).toEqual(series.loopMs);
    expect(series.drainLoopMs).toBeUndefined();
  });

  it('the CPU meter records the process CPU in whole ms per second', () => {
    const cpuMs = () => {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1000;
    };
    const t = new Timeline(Date.now());
    const wallBefore = performance.now();
    const before = cpuMs();
    const meter = new CpuMeter(t);
    // Spin on CPU time, not wall time: on a busy or virtual machine the two differ.
    while (cpuMs() - before < 300);
    meter.tick(Date.now());
    const spent = cpuMs() - before;
    const wall = performance.now() - wallBefore;
    const { series } = t.toJSON();
    expect(sum(series.cpuMs)).toBeGreaterThanOrEqual(299);
    expect(sum(series.cpuMs)).toBeLessThanOrEqual(spent + 1);
    expect(series.cpuMs.every(Number.isInteger)).toBe(true);
    // The host's cores: busy at least while this thread spun (to the kernel's 10 ms ticks), out of
    // the wall time passed on every core.
    const cores = cpus().length;
    expect(sum(series.hostCpuBusyMs)).toBeGreaterThanOrEqual(300 - 10 * cores - 10);
    expect(sum(series.hostCpuMs)).toBeGreaterThanOrEqual(sum(series.hostCpuBusyMs));
    expect(sum(series.hostCpuMs)).toBeLessThanOrEqual((wall + 20) * cores);
  });

  it('shares come from the summed series, so they stay exact across merged threads and pods', () => {
    // Two threads' worth per second; the last second only saw 300 ms and is left out of the peak.
    const b = loopBusy(timeline([1000, 1900, 1990, 1850, 300], [2000, 2000, 2000, 2000, 300]))!;
    expect(b.mean).toBeCloseTo(7040 / 8300, 6);
    expect(b.peak).toBeCloseTo(0.995, 6);
    expect(b.saturatedSeconds).toBe(3);
    expect(loopBusy(undefined)).toBeNull();
    expect(loopBusy({ start: 0, series: { sent: [1] } })).toBeNull();
    // Seconds no loop saw enough of give a share but no busiest second; under a second in all, nothing.
    expect(loopBusy(timeline([150, 300, 300, 300], [200, 400, 400, 400]))).toEqual({ mean: 0.75, peak: null, saturatedSeconds: 0 });
    expect(loopBusy(timeline([150, 300], [200, 400]))).toBeNull();
    expect(SATURATED).toBe(0.9);
  });

  it('the summary warns when the client, not SQS, set the pace; client_busy gates a run', () => {
    const r = finalize(emptyResult('send', 'r1'));
    r.timeline = timeline([950, 990, 980, 400], [1000, 1000, 1000, 1000]);
    const text = renderSummary(r, 0);
    expect(text).toContain('worker event loops 83% busy, busiest second 99%');
    expect(text).toMatch(/warning .*≥ 90% busy in 3 s/);
    r.timeline = timeline([950, 990, 400, 400], [1000, 1000, 1000, 1000]);
    expect(renderSummary(r, 0)).not.toContain('warning');
    const [gate] = evaluate(r, [parseThreshold('client_busy<50%')]);
    expect(gate.actual).toBeCloseTo(0.685, 6);
    expect(gate.ok).toBe(false);
    r.timeline = timeline([150, 300, 300, 300], [200, 400, 400, 400]);
    expect(renderSummary(r, 0)).toMatch(/worker event loops 75% busy\n/);
    r.timeline = timeline([150, 300], [200, 400]);
    expect(renderSummary(r, 0)).not.toContain('worker event loops');
  });
});
