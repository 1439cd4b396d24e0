/**
 * A counter is defined once (metrics/tally.ts) and then flows by itself: the meter records it in
 * the worker's tally and where it is shown live, one adder sums worker tallies into a process's
 * result and results into a report. These tests walk the whole table, so a counter added there
 * is covered without a line here.
 */
import { describe, expect, it } from 'vitest';
import { createHistogram, decode, encode, recordMs } from '../src/metrics/histogram.js';
import { createSharedState, LiveRow, LiveView } from '../src/metrics/live.js';
import { addTallies, COST_COUNTERS, COUNTER_NAMES, COUNTERS, emptyTally, type CounterDisplay, type Tally } from '../src/metrics/tally.js';
import { mergeResults } from '../src/report/merge.js';
import { emptyResult } from '../src/result/document.js';
import { Meter } from '../src/worker-kit/meter.js';

/** A worker tally with a different value in every counter. */
function workerTally(base: number): Tally {
  const t = emptyTally();
  COUNTER_NAMES.forEach((k, i) => (t[k] = base + i));
  COST_COUNTERS.forEach((k, i) => (t.cost[k] = base * 10 + i));
  t.errors = { ThrottlingException: base };
  return t;
}

describe('the tally', () => {
  it('has the same field names in a worker result and in the result document', () => {
    const result = emptyResult('run', 'r1') as unknown as Record<string, unknown>;
    for (const key of Object.keys(emptyTally())) expect(result, key).toHaveProperty(key);
    for (const k of COST_COUNTERS) expect(result.cost, k).toHaveProperty(k, 0);
  });

  it('sums every counter from worker tallies into a result, and from results into a report', () => {
    const a = emptyResult('send', 'r1');
    addTallies(a, [workerTally(1), workerTally(100)]);
    const b = emptyResult('drain', 'r1');
    addTallies(b, [workerTally(1000)]);
    const report = mergeResults([a, b]);
    COUNTER_NAMES.forEach((k, i) => {
      expect(a[k], k).toBe(101 + 2 * i);
      expect(report[k], k).toBe(1101 + 3 * i);
    });
    COST_COUNTERS.forEach((k, i) => expect(report.cost[k], k).toBe(11010 + 3 * i));
    // Every billed request, SQS's and (send --topic-arn) SNS's publishes and their SQS deliveries.
    const c = report.cost;
    expect(c.units).toBe(c.sendUnits + c.receiveUnits + c.deleteUnits + c.visibilityUnits + c.publishUnits + c.deliveryUnits);
    expect(c.usd).toBe(Math.round((c.units - c.publishUnits) * c.pricePerMillion + c.publishUnits * 0.5) / 1e6);
    expect(report.errors).toEqual({ ThrottlingException: 1101 });
  });

  it('a counter the meter records lands in the tally, and live and per second where the table says', () => {
    const state = createSharedState(1);
    // A whole second: the records 10 ms later fall in its first slot (not the next, as they did
    // when the clock read .991-.999).
    const startMs = Math.floor(Date.now() / 1000) * 1000;
    const meter = new Meter(new LiveRow(state, 0), startMs, ['sendCall']);
    COUNTER_NAMES.forEach((k, i) => meter.counter(k).add(i + 1, startMs + 10));
    meter.cost('sendUnits').add(7, startMs);
    meter.latency('sendCall').record(startMs + 10, 12.5);
    const tally = meter.finish();
    const view = new LiveView(state);
    const display: Record<string, CounterDisplay> = COUNTERS;
    COUNTER_NAMES.forEach((k, i) => {
      expect(tally[k], k).toBe(i + 1);
      if (display[k].live) expect(view.sum(display[k].live!), k).toBe(i + 1);
      if (display[k].timeline) expect(tally.timeline!.series[display[k].timeline!], k).toEqual([i + 1]);
    });
    expect(tally.cost.sendUnits).toBe(7);
    expect(tally.histograms.sendCall).toBeTruthy();
    expect(Object.keys(tally.histograms)).toEqual(['sendCall']);
    expect(tally.timeline!.latency?.sendCall).toHaveLength(1);
  });

  it('an error is counted by code, live and per second, with throttles apart', () => {
    const state = createSharedState(1);
    const startMs = Date.now();
    const meter = new Meter(new LiveRow(state, 0), startMs, []);
    meter.error('KmsThrottled', startMs);
    meter.error('InternalError', startMs);
    meter.fail(3, 'InternalError', startMs);
    const tally = meter.finish();
    const view = new LiveView(state);
    expect(tally.errors).toEqual({ KmsThrottled: 1, InternalError: 1 });
    expect(tally.failures).toEqual({ InternalError: 3 });
    expect(tally.failed).toBe(3);
    expect([view.sum('errors'), view.sum('throttles'), view.sum('failed')]).toEqual([2, 1, 3]);
    expect(tally.timeline!.series).toMatchObject({ errors: [2], throttles: [1], 'error:KmsThrottled': [1], failed: [3] });
  });

  it('adds failures, sizes and FIFO order violations, and a histogram only where some part has one', () => {
    const h = (ms: number[]) => {
      const x = createHistogram();
      for (const m of ms) recordMs(x, m);
      return encode(x);
    };
    const into = emptyTally();
    addTallies(into, [
      { failures: { InternalError: 2 }, sizes: { '1KiB': 5 }, orderViolations: null, histograms: { sendCall: h([10, 20]) } },
      { failures: { InternalError: 1, Aborted: 4 }, sizes: { '1KiB': 1, '16KiB': 2 }, orderViolations: 3 },
      { orderViolations: 0 },
      {},
    ]);
    expect(into.failures).toEqual({ InternalError: 3, Aborted: 4 });
    expect(into.sizes).toEqual({ '1KiB': 6, '16KiB': 2 });
    expect(into.orderViolations).toBe(3);
    expect(Object.keys(into.histograms)).toEqual(['sendCall']);
    expect(decode(into.histograms.sendCall!).totalCount).toBe(2);
    // Standard queues: no part knows of order, and the sum says so (null), not 0.
    const standard = emptyTally();
    addTallies(standard, [{ orderViolations: null }, {}]);
    expect(standard.orderViolations).toBeNull();
    // A later merge adds to what is there.
    addTallies(into, [{ histograms: { sendCall: h([30]) }, orderViolations: 1 }]);
    expect(decode(into.histograms.sendCall!).totalCount).toBe(3);
    expect(into.orderViolations).toBe(4);
  });

  it('adds timelines by wall-clock second, and has none when no part has one', () => {
    const into = emptyTally();
    addTallies(into, [{ timeline: { start: 2000, series: { sent: [1, 2] } } }, {}, { timeline: { start: 1000, series: { sent: [5, 5, 5] } } }]);
    expect(into.timeline).toMatchObject({ start: 1000, series: { sent: [5, 6, 7] } });
    const none = emptyTally();
    addTallies(none, [{}, { sent: 3 }]);
    expect(none.timeline).toBeUndefined();
    expect(none.sent).toBe(3);
  });
});
