/**
 * Latency fidelity (issue #16): against a responder that holds every SendMessageBatch exactly
 * 20 ms (measured at the server), the reported send latency after warm-up is never below 20 ms —
 * a bound no machine load can excuse (before the one clock it reported 18.4 ms). How close p50
 * and p99 come to the truth depends on the machine's load, so that standard (0.5 / 2 ms) is
 * measured and compared by `node bench/fidelity/run.mjs`, not asserted in a timed test.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs bench module without types
import { measure } from '../bench/fidelity/fidelity.mjs';

describe('bench/fidelity: reported latency against a fixed-latency responder', () => {
  it('after warm-up nothing is below the true 20 ms, and warm-up calls stay out of the histogram', async () => {
    const m = await measure({ rate: 200, delayMs: 20, warmupS: 2, durationS: 3, workers: 1, concurrency: 8 });
    expect(m.server.min).toBeGreaterThanOrEqual(20);
    expect(m.result.warmupSent).toBeGreaterThan(0);
    expect(m.result.latency.count).toBe((m.result.sent - m.result.warmupSent) / 10);
    expect(m.result.latency.min).toBeGreaterThanOrEqual(20);
    expect(m.result.latency.p50).toBeGreaterThanOrEqual(20);
  }, 60_000);
});
