/**
 * Latency fidelity (issue #16): against a responder that holds every SendMessageBatch exactly
 * 20 ms (measured at the server), the reported send latency after warm-up is never below 20 ms,
 * and its p50 / p99 are within 0.5 / 2 ms of it at a modest rate. A loaded machine can break the
 * p50/p99 part: that is the standard doing its job, not a flaky assertion.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs bench module without types
import { judge, measure } from '../bench/fidelity/fidelity.mjs';

describe('bench/fidelity: reported latency against a fixed-latency responder', () => {
  it('after warm-up nothing is below the true 20 ms, and p50/p99 hold the standard at 200 msg/s', async () => {
    const m = await measure({ rate: 200, delayMs: 20, warmupS: 2, durationS: 3, workers: 1, concurrency: 8 });
    expect(m.server.min).toBeGreaterThanOrEqual(20);
    expect(m.result.warmupSent).toBeGreaterThan(0);
    expect(m.result.latency.count).toBe((m.result.sent - m.result.warmupSent) / 10);
    expect(m.result.latency.min).toBeGreaterThanOrEqual(20);
    expect(judge(m)).toEqual([]);
  }, 60_000);
});
