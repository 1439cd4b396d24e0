import { describe, expect, it } from 'vitest';
import { parseStages, planSchedule, Schedule } from '../src/load/schedule.js';
import { startTogether } from '../src/load/start.js';
import { waitUntil } from '../src/load/wait.js';
import { targetNow } from '../src/load/target.js';
import { createSharedState } from '../src/metrics/live.js';
import { resolveConfig } from '../src/config.js';
import { UsageError } from '../src/errors.js';

describe('the open-model schedule', () => {
  it('a constant rate: message n is due at n/rate seconds, and never ends by itself', () => {
    const s = new Schedule(planSchedule({ rate: 2000, warmupMs: 0 }));
    expect(s.dueAt(0)).toBe(0);
    expect(s.dueAt(1000)).toBeCloseTo(500, 9);
    expect(s.dueAt(123_456)).toBeCloseTo(61_728, 6);
    expect(s.endMs).toBe(Infinity);
  });

  it('stages ramp linearly from 0 (k6 ramping-arrival-rate): dueAt inverts the integral', () => {
    const plan = planSchedule({ stages: parseStages('2s:1000,2s:1000,1s:0')!, warmupMs: 0 });
    const s = new Schedule(plan);
    // Integral: ramp 0→1000 over 2 s = 1000, flat 2 s = 2000, ramp 1000→0 over 1 s = 500.
    expect(s.dueBy(Infinity)).toBeCloseTo(3500, 9);
    expect(s.dueBy(2000)).toBeCloseTo(1000, 9);
    expect(s.dueBy(1000)).toBeCloseTo(250, 9); // half the ramp's time, a quarter of its area
    for (const n of [0, 1, 250, 999, 1000, 1500, 3000, 3250, 3499]) expect(s.dueBy(s.dueAt(n))).toBeCloseTo(n, 6);
    expect(s.dueAt(3500)).toBe(Infinity);
    expect(s.endMs).toBe(5000);
    expect(s.rateAt(1000)).toBeCloseTo(500, 9);
    expect(s.rateAt(4500)).toBeCloseTo(500, 9);
  });

  it('a warm-up comes first, at the rate (or the first stage target), and lengthens a --duration', () => {
    const flat = planSchedule({ rate: 100, warmupMs: 3000, durationMs: 10_000 });
    expect(flat.endMs).toBe(13_000);
    const staged = new Schedule(planSchedule({ stages: [{ durationMs: 1000, target: 400 }], warmupMs: 2000 }));
    expect(staged.dueBy(2000)).toBeCloseTo(800, 9);
    expect(staged.dueBy(Infinity)).toBeCloseTo(1000, 9);
    expect(staged.endMs).toBe(3000);
  });

  it('parses stage lists and refuses other shapes', () => {
    expect(parseStages('30s:1000,2m:20000,30s:0')).toEqual([
      { durationMs: 30_000, target: 1000 },
      { durationMs: 120_000, target: 20_000 },
      { durationMs: 30_000, target: 0 },
    ]);
    expect(parseStages('500ms:10,1h:5,2:7')).toEqual([
      { durationMs: 500, target: 10 },
      { durationMs: 3_600_000, target: 5 },
      { durationMs: 2000, target: 7 },
    ]);
    for (const bad of ['', '3x:1', '3s', '3s:-1', '0s:5', '3s:1,,']) expect(parseStages(bad)).toBeNull();
  });

  it('config: stages split across shards like --rate, bound the run like --duration, and refuse bad input by flag', () => {
    const c = resolveConfig('send', { stages: '2s:1000', shards: 4, runId: 'r' }, {});
    expect(c.send!.total).toBe(Infinity);
    expect(new Schedule(c.send!.schedule).dueBy(Infinity)).toBeCloseTo(250, 9);
    for (const [args, msg] of [
      [{ stages: 'fast' }, /^--stages .*e\.g\. 30s:1000/],
      [{ stages: '1s:0' }, /^--stages .*never sends/],
      [{ stages: '1s:5', rate: 5 }, /--stages and --rate/],
      [{ warmup: -2 }, /^--warmup .*>= 0/],
    ] as const) {
      expect(() => resolveConfig('send', args as Record<string, unknown>, {})).toThrow(UsageError);
      expect(() => resolveConfig('send', args as Record<string, unknown>, {})).toThrow(msg);
    }
  });

  it('the target gauge follows a --stages ramp: 0 before the start, then where the ramp stands', async () => {
    const state = createSharedState(1);
    const target = targetNow(planSchedule({ stages: parseStages('1s:1000,10s:1000')!, warmupMs: 0 }), state);
    expect(target()).toBe(0);
    const start = await startTogether(state, 1);
    // 50 ms into the ramp (a timer alone may fire a moment early, at its very start where it is 0).
    await waitUntil(start! + 50, new AbortController().signal);
    const early = target();
    await new Promise((r) => setTimeout(r, 300));
    const later = target();
    expect(early).toBeGreaterThan(0);
    expect(later).toBeGreaterThan(early + 200);
    expect(later).toBeLessThanOrEqual(1000);
    expect(targetNow(planSchedule({ warmupMs: 0 }), state)()).toBe(0);
  });
});


describe('Schedule at its edges', () => {
  it('a falling ramp: dueAt inverts dueBy, and the rate falls linearly to 0', () => {
    const s = new Schedule(planSchedule({ stages: [{ durationMs: 1000, target: 1000 }, { durationMs: 2000, target: 0 }], warmupMs: 0 }));
    // 500 up the first ramp, 1,000 down the second.
    expect(s.dueBy(Infinity)).toBeCloseTo(1500, 9);
    expect(s.dueBy(2000)).toBeCloseTo(500 + 750, 9);
    for (const n of [1, 500, 501, 1000, 1499]) expect(s.dueBy(s.dueAt(n))).toBeCloseTo(n, 6);
    expect(s.dueAt(500)).toBeCloseTo(1000, 6);
    expect(s.rateAt(0)).toBe(0);
    expect(s.rateAt(500)).toBeCloseTo(500, 9);
    expect(s.rateAt(1000)).toBeCloseTo(1000, 9);
    expect(s.rateAt(2000)).toBeCloseTo(500, 9);
    expect(s.rateAt(3000)).toBe(0); // the end: nothing starts at or after it
    expect(s.rateAt(-1)).toBe(0);
    expect(s.dueAt(1500)).toBe(Infinity);
  });

  it('a stage at rate 0 is a pause: what is due after it waits until the next stage', () => {
    const s = new Schedule(planSchedule({ stages: [{ durationMs: 1000, target: 0 }, { durationMs: 1000, target: 0 }, { durationMs: 1000, target: 200 }], warmupMs: 0 }));
    expect(s.dueAt(0)).toBe(2000);
    expect(s.dueAt(25)).toBeCloseTo(2500, 6); // up a 0→200 ramp: 100·t² = 25
    expect(s.dueAt(100)).toBe(Infinity); // the last of the ramp's 100 is its end
    expect(s.dueBy(2000)).toBe(0);
    expect(s.rateAt(1500)).toBe(0);
    expect(s.rateAt(2500)).toBeCloseTo(100, 9);
  });

  it('a rate that never ends is flat from 0 to Infinity, and a --duration cuts dueBy, not dueAt', () => {
    const s = new Schedule(planSchedule({ rate: 100, warmupMs: 0, durationMs: 5000 }));
    expect(s.paced).toBe(true);
    expect(s.endMs).toBe(5000);
    expect(s.dueBy(10_000)).toBeCloseTo(500, 9);
    expect(s.dueBy(1000)).toBeCloseTo(100, 9);
    expect(s.dueAt(1000)).toBeCloseTo(10_000, 6);
    expect(s.rateAt(4999)).toBe(100);
    expect(s.rateAt(5000)).toBe(0);
  });

  it('unpaced: nothing is due by a schedule, and it says so', () => {
    const s = new Schedule(planSchedule({ warmupMs: 1000 }));
    expect(s.paced).toBe(false);
    expect(s.warmupMs).toBe(1000);
    expect(s.dueAt(5)).toBe(Infinity);
    expect(s.dueBy(1000)).toBe(0);
    expect(s.rateAt(10)).toBe(0);
  });

  it('a warm-up before stages is its own flat segment; none without a warm-up', () => {
    expect(planSchedule({ stages: [{ durationMs: 1000, target: 50 }], warmupMs: 0 }).segments).toEqual([{ durationMs: 1000, from: 0, to: 50 }]);
    expect(planSchedule({ stages: [{ durationMs: 1000, target: 50 }], warmupMs: 500, durationMs: 10_000 })).toEqual({
      warmupMs: 500,
      segments: [{ durationMs: 500, from: 50, to: 50 }, { durationMs: 1000, from: 0, to: 50 }],
      endMs: 1500,
    });
  });

  it('stage lists take spaces and fractions', () => {
    expect(parseStages(' 1.5s : 10.5 , 2m:0')).toEqual([{ durationMs: 1500, target: 10.5 }, { durationMs: 120_000, target: 0 }]);
    expect(parseStages('1s:10,x')).toBeNull();
  });
});
