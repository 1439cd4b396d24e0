/** The burst search's logic on result documents built from recorded facts (no network): how a step is judged, the bisection, the verdict. */
import { describe, expect, it } from 'vitest';
import type { BurstOptions } from '../src/result/burst.js';
import { search, judgeStep } from '../src/burst/search.js';
import { STEP_MS, stepResult } from './burst-fixtures.js';
import { finalize, type Result } from '../src/result/document.js';

const O: BurstOptions = {
  startRate: 100,
  stepFactor: 2,
  stepMs: STEP_MS,
  ceiling: 10_000,
  refineSteps: 3,
  sloP99Ms: 50,
  sloErrorShare: 0.01,
  minAchievedShare: 0.97,
  drain: false,
  maxGrowthShare: 0.03,
};
const D: BurstOptions = { ...O, drain: true };

const step = stepResult;

/**
 * A burst --drain step: `rate` msg/s sent and the consumers taking `taken` msg/s in the 2 s
 * window, after a 1 s warm-up (timeline slot 0) that left `warmupBacklog` messages behind.
 */
function drainStep(rate: number, taken: number, { warmupBacklog = 0, missing = 0, foreign = 0 } = {}): Result {
  const r = step(rate);
  r.kind = 'run';
  r.warmupSent = rate;
  r.sent += rate;
  r.received = r.sent - warmupBacklog - 2 * (rate - taken);
  r.foreign = foreign;
  r.phases.send = { startedAt: 1000, endedAt: 1000 + O.stepMs };
  r.timeline = {
    start: 0,
    series: { sent: [rate, rate, rate], received: [rate - warmupBacklog, taken, taken], loopBusyMs: [200, 200, 200], loopMs: [1000, 1000, 1000] },
  };
  const done = finalize(r);
  done.missing = missing;
  return done;
}

describe('burst search', () => {
  it('judges a step on achieved share, error share, p99 and failures', () => {
    expect(judgeStep(step(1000), 1000, O, 'coarse').passed).toBe(true);
    expect(judgeStep(step(960), 1000, O, 'coarse').why).toEqual(['achieved 960 < 97% of 1000 msg/s']);
    expect(judgeStep(step(1000, { throttles: 3 }), 1000, O, 'coarse').why[0]).toMatch(/^errors 3 \(3 throttles\) in 203 calls > 1%/);
    expect(judgeStep(step(1000, { ms: 80 }), 1000, O, 'coarse').why[0]).toMatch(/^p99 80\.\d+ ms > 50 ms$/);
    expect(judgeStep(step(1000, { busy: 0.95 }), 1000, O, 'coarse').clientBusy).toBeCloseTo(0.95, 6);
  });

  it('measures the client busy share inside the step window only: the idle seconds while late replies come back do not dilute it', () => {
    const r = step(500, { busy: 0.95 });
    // Two more seconds after the 2 s window, the loop mostly idle waiting for replies.
    r.timeline!.series.loopBusyMs = [950, 950, 300, 100];
    r.timeline!.series.loopMs = [1000, 1000, 1000, 1000];
    expect(judgeStep(r, 1000, O, 'coarse').clientBusy).toBeCloseTo(0.95, 6);
  });

  it('raises by the factor until a step fails, bisects, and reports the highest passing target as the server’s limit', async () => {
    const capacity = 700;
    const tried: number[] = [];
    const s = await search(O, async (rate) => {
      tried.push(rate);
      return step(Math.min(rate, capacity));
    });
    expect(tried).toEqual([100, 200, 400, 800, 600, 700, 750]);
    expect(s.sustainedMsgPerSec).toBe(700);
    expect(s.limit).toMatchObject({ target: 750, clientLimited: false });
    expect(s.verdict).toMatch(/^sustained 700 msg\/s; the server's limit at 750 msg\/s/);
  });

  it('a failing step with the worker loops ≥ 90% busy is client-limited, never an SQS limit', async () => {
    const s = await search({ ...O, refineSteps: 0 }, async (rate) => step(Math.min(rate, 300), { busy: rate > 300 ? 0.97 : 0.5 }));
    expect(s.sustainedMsgPerSec).toBe(200);
    expect(s.limit?.clientLimited).toBe(true);
    expect(s.verdict).toBe('sustained 200 msg/s; client-limited: add --workers or pods (the worker loops were ≥ 90% busy at 400 msg/s)');
  });

  it('a failing step on a host with no core to spare is client-limited too, though its loops read idle (a waiting thread is idle to its loop)', async () => {
    const s = await search({ ...O, refineSteps: 0 }, async (rate) => step(Math.min(rate, 300), { busy: 0.7, host: rate > 300 ? 0.96 : 0.5 }));
    expect(s.limit).toMatchObject({ target: 400, clientLimited: true, clientLimitedBy: 'host' });
    expect(s.steps[2].hostBusy).toBeCloseTo(0.96, 6);
    expect(s.verdict).toBe("sustained 200 msg/s; client-limited: add pods or a bigger node (the client host's CPUs were ≥ 90% busy at 400 msg/s)");
    // Neither saturated: the server's limit.
    const idle = await search({ ...O, refineSteps: 0 }, async (rate) => step(Math.min(rate, 300), { busy: 0.7, host: 0.6 }));
    expect(idle.limit).toMatchObject({ clientLimited: false, clientLimitedBy: null });
    // A server that throttled said so itself, however crowded the host.
    const throttled = await search({ ...O, refineSteps: 0 }, async (rate) => step(rate, { busy: 0.7, host: 0.96, throttles: rate > 300 ? 50 : 0 }));
    expect(throttled.limit).toMatchObject({ target: 400, clientLimited: false });
    expect(throttled.verdict).toMatch(/the server's limit at 400 msg\/s: errors 50 \(50 throttles\)/);
  });

  it('--drain: a step whose consumers take less than they are sent fails on the backlog’s growth in its window', () => {
    const kept = judgeStep(drainStep(1000, 1000), 1000, D, 'coarse');
    expect(kept).toMatchObject({ passed: true, depthGrowth: 0, consumersBehind: false });
    // 1000 sent and 900 taken a second: the backlog grew by 200 in the 2 s window.
    const behind = judgeStep(drainStep(1000, 900), 1000, D, 'coarse');
    expect(behind).toMatchObject({ passed: false, depthGrowth: 200, consumersBehind: true, achieved: 1000 });
    expect(behind.why).toEqual(['depth grew by 200 messages (2000 sent in the window)']);
    // Within 3% of what was sent (the consumers' mirror of the producers' 97%), the step holds.
    expect(judgeStep(drainStep(1000, 990), 1000, D, 'coarse')).toMatchObject({ passed: true, depthGrowth: 20 });
    // Without --drain the same result is judged on the send side alone.
    expect(judgeStep(drainStep(1000, 900), 1000, O, 'coarse')).toMatchObject({ passed: true, depthGrowth: null });
  });

  it('--drain: growth is a change within the window, not the level the warm-up left behind', () => {
    const s = judgeStep(drainStep(1000, 1000, { warmupBacklog: 800 }), 1000, D, 'coarse');
    expect(s).toMatchObject({ passed: true, depthGrowth: 0 });
  });

  it('--drain: the client busy share is the producers’ loops’, not diluted by consumers waiting on their polls', () => {
    const r = drainStep(1000, 1000);
    // One send thread saturated, one drain thread mostly idle: 57% over all loops.
    Object.assign(r.timeline!.series, {
      loopBusyMs: [1150, 1150, 1150],
      loopMs: [2000, 2000, 2000],
      sendLoopBusyMs: [950, 950, 950],
      sendLoopMs: [1000, 1000, 1000],
    });
    expect(judgeStep(r, 1000, D, 'coarse').clientBusy).toBeCloseTo(0.95, 6);
  });

  it('--drain: missing messages and foreign ones (a queue with someone’s backlog) fail the step', () => {
    expect(judgeStep(drainStep(1000, 1000, { missing: 3 }), 1000, D, 'coarse').why).toEqual(['3 messages missing']);
    expect(judgeStep(drainStep(1000, 1000, { foreign: 50 }), 1000, D, 'coarse')).toMatchObject({ passed: false, foreign: 50, why: ["50 messages received that were not this step's"] });
  });

  it('--drain: a step that met someone else’s messages ends the search, and the verdict says the queue was not empty', async () => {
    const tried: number[] = [];
    const s = await search(D, async (rate) => {
      tried.push(rate);
      return drainStep(rate, rate, { foreign: rate === 400 ? 5000 : 0 });
    });
    expect(tried).toEqual([100, 200, 400]);
    expect(s.sustainedMsgPerSec).toBe(200);
    expect(s.verdict).toMatch(/^sustained 200 msg\/s; the queue was not empty: the step at 400 msg\/s received 5000 messages not of this burst/);
    expect(s.verdict).not.toMatch(/server's limit|consumers fell behind/);
  });

  it('--drain: consumers that fall behind are named in the verdict, not the server or the client', async () => {
    const capacity = 700;
    // The producers are never short; the consumers take at most `capacity`, and their loops are busy.
    const s = await search(D, async (rate) => {
      const r = drainStep(rate, Math.min(rate, capacity));
      r.timeline!.series.loopBusyMs = [950, 950, 950];
      return r;
    });
    expect(s.sustainedMsgPerSec).toBe(700);
    expect(s.limit).toMatchObject({ target: 750, consumersBehind: true, growth: 100 });
    expect(s.verdict).toBe(
      'sustained 700 msg/s; consumers fell behind at 750 msg/s: depth grew by 100 messages in the step; add --drain-workers/--drain-concurrency or pods',
    );
  });

  it('says so when the ceiling is reached without a failing step', async () => {
    const s = await search({ ...O, ceiling: 400 }, async (rate) => step(rate));
    expect(s.steps.map((x) => x.target)).toEqual([100, 200, 400]);
    expect(s.limit).toBeNull();
    expect(s.verdict).toContain('the ceiling (400 msg/s) was reached');
  });
});
