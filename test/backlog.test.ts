/** burst/backlog.ts: the consumers' pace and the backlog's growth from depth samples, judged and said. */
import { describe, expect, it } from 'vitest';
import { backlogOf, consumerFailures, dlqGain, externalVerdict, slope } from '../src/burst/backlog.js';
import { emptyResult, type Result } from '../src/result/document.js';

const T0 = 1_800_000_000_000; // a whole second

/** A send step: `sent` per second from slot 0, its measured window from `from` s, depth samples at `depth` (s → backlog). */
function stepResult(sent: number[], from: number, depth: Array<[number, number, number?]>): Result {
  const r = emptyResult('send', 'r', 0, 1);
  r.phases.send = { startedAt: T0 + from * 1000, endedAt: T0 + sent.length * 1000 };
  r.timeline = { start: T0, series: { sent }, depth: depth.map(([s, n, dlq]) => ({ t: T0 + s * 1000, visible: n, inFlight: 0, delayed: 0, ...(dlq === undefined ? {} : { dlq }) })) };
  return r;
}

describe('backlog: the user’s consumers from the queue depth', () => {
  it('fits the slope through every sample, so over a long window one noisy sample weighs little', () => {
    expect(slope([{ t: 0, n: 0 }, { t: 1000, n: 100 }, { t: 2000, n: 200 }])).toBeCloseTo(0.1);
    // 21 samples over 20 s, the last 30 messages off: the slope moves by 30 × 10 / 770 = 0.39 msg/s,
    // the difference of the first and last samples would by 30 / 20 = 1.5 msg/s.
    const noisy = [...Array(21).keys()].map((s) => ({ t: s * 1000, n: s * 50 + (s === 20 ? 30 : 0) }));
    expect(slope(noisy)! * 1000).toBeCloseTo(50 + 300 / 770, 6);
    expect(slope([{ t: 0, n: 5 }])).toBeNull();
  });

  it('consumers’ pace = sent − growth in the window’s whole seconds; samples outside it do not count', () => {
    // 400 msg/s sent from second 1 to 6; the backlog grows 100 msg/s inside [1, 6]; a drain-time sample at 9 s is outside.
    const r = stepResult([0, 400, 400, 400, 400, 400], 1, [[0, 0], [1, 50], [2, 150], [3, 250], [4, 350], [5, 450], [6, 550], [9, 0, 7]]);
    const b = backlogOf(r, 5000)!;
    expect(b).toMatchObject({ sent: 2000, sentPerSec: 400, growthPerSec: 100, growth: 500, consumedPerSec: 300, samples: 6 });
    expect(consumerFailures(b, 0.03)).toEqual({ behind: true, failedMessages: false, why: ['backlog grew by 100 msg/s (500 messages; the consumers took 300 of 400 msg/s sent)'] });
  });

  it('a DLQ gain is the last DLQ count less the first, over the whole step and its drain; none without a DLQ', () => {
    expect(dlqGain(stepResult([0], 0, [[0, 0, 3], [1, 0, 3], [5, 0, 9]]).timeline!.depth!)).toBe(6);
    expect(dlqGain(stepResult([0], 0, [[0, 0], [1, 0]]).timeline!.depth!)).toBeNull();
    const flat = stepResult([0, 100, 100, 100], 1, [[0, 0, 0], [1, 10, 0], [2, 10, 0], [3, 10, 0], [6, 0, 4]]);
    const f = consumerFailures(backlogOf(flat, 3000), 0.03);
    expect(f).toEqual({ behind: false, failedMessages: true, why: ['DLQ +4 (the consumers failed those messages)'] });
  });

  it('growth under the floor (20 messages) or under --max-growth % of what was sent passes', () => {
    const small = stepResult([0, 100, 100, 100], 1, [[1, 0], [2, 6], [3, 12], [4, 18]]);
    expect(consumerFailures(backlogOf(small, 3000), 0.03).behind).toBe(false);
    const share = stepResult([0, 1000, 1000, 1000], 1, [[1, 0], [2, 25], [3, 50], [4, 75]]);
    expect(consumerFailures(backlogOf(share, 3000), 0.03).behind).toBe(false);
    expect(consumerFailures(backlogOf(share, 3000), 0.02).behind).toBe(true);
    // Fewer than two samples in the window: nothing to judge by, and the step says why.
    expect(consumerFailures(backlogOf(stepResult([0, 100], 1, [[0, 0]]), 1000), 0.03).why[0]).toMatch(/^fewer than two queue-depth samples/);
  });

  it('says the verdict as the issue asks for it, and leaves a producer-side limit to the generic one', () => {
    const limit = { target: 4100, consumersBehind: true, consumersFailed: false, backlogPerSec: 620.4, consumedPerSec: 3480, dlqGain: 0, why: [] };
    expect(externalVerdict(3400, limit, 10_000, 1000)).toBe('your consumers keep up with 3,400 msg/s; at 4,100 msg/s the backlog grows by 620 msg/s (they took 3,480 msg/s); DLQ +0');
    expect(externalVerdict(null, { ...limit, target: 1000, consumersBehind: false, consumersFailed: true, dlqGain: 12 }, 10_000, 1000)).toBe('no step held (the first, 1,000 msg/s, failed); at 1,000 msg/s your consumers failed messages: DLQ +12');
    expect(externalVerdict(3400, { ...limit, consumersBehind: false }, 10_000, 1000)).toBeNull();
    expect(externalVerdict(10_000, null, 10_000, 1000)).toBe('your consumers keep up with 10,000 msg/s: the ceiling (10,000 msg/s) was reached without a failing step');
  });
});
