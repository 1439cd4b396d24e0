/** The live dashboard's feed: what it keeps of a long run. */
import { describe, expect, it } from 'vitest';
import { lastSeconds, WINDOW_SECONDS } from '../src/observe/live-feed.js';

describe('live dashboard window', () => {
  it('keeps the last WINDOW_SECONDS of a long timeline, every series cut alike', () => {
    const n = WINDOW_SECONDS + 100;
    const t = { start: 1_000_000, series: { sent: Array.from({ length: n }, (_, i) => i) }, latency: { e2e: Array.from({ length: n }, (_, i) => (i === n - 1 ? 'last' : null)) }, depth: [{ t: 1_000_000, visible: 1, inFlight: 0, delayed: 0 }, { t: 1_000_000 + (n - 1) * 1000, visible: 2, inFlight: 0, delayed: 0 }] };
    const w = lastSeconds(t, WINDOW_SECONDS);
    expect(w.series.sent).toHaveLength(WINDOW_SECONDS);
    expect(w.series.sent[0]).toBe(100);
    expect(w.start).toBe(1_000_000 + 100_000);
    expect(w.latency!.e2e.at(-1)).toBe('last');
    expect(w.depth!.map((d) => d.visible)).toEqual([2]);
    expect(lastSeconds({ start: 0, series: { sent: [1, 2] } }, WINDOW_SECONDS).series.sent).toEqual([1, 2]);
  });
});
