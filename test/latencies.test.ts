/**
 * One row of metrics/latencies.ts is all a latency needs to be shown: the summary, the HTML report,
 * compare, thresholds and /metrics all read the table. `deleteCall` is the proof: it was recorded
 * on every delete and shown nowhere until it had its row. Each place is checked from a result (or
 * shared buckets) that holds a known delete latency, so a place that ignored the table fails.
 */
import { describe, expect, it } from 'vitest';
import { createHistogram, encode, recordMs } from '../src/metrics/histogram.js';
import { LATENCIES, LATENCY_ROWS } from '../src/metrics/latencies.js';
import { createSharedState, LiveView } from '../src/metrics/live.js';
import { BucketWriter } from '../src/metrics/latency-buckets.js';
import { LiveSource } from '../src/observe/live-source.js';
import { buildRegistry, serveMetrics } from '../src/observe/prometheus.js';
import { compareResults } from '../src/report/compare.js';
import { reportCharts } from '../src/report/html.js';
import { emptyResult, finalize, type Result } from '../src/result/document.js';
import { renderSummary } from '../src/report/summary.js';
import { evaluate, metricTable, parseThreshold } from '../src/report/thresholds.js';
import { scrape } from './scrape.js';

/** A drain result whose delete calls took 1..100 ms (p99 99 ms) and whose receives took 5 ms. */
function drainWithDeletes(deleteMs = (i: number) => i): Result {
  const r = emptyResult('drain', 'del');
  const del = createHistogram();
  for (let i = 1; i <= 100; i++) recordMs(del, deleteMs(i));
  const recv = createHistogram();
  recordMs(recv, 5);
  Object.assign(r, { received: 100, deleted: 100, histograms: { deleteCall: encode(del), receiveCall: encode(recv) }, phases: { drain: { startedAt: 0, endedAt: 1000 } } });
  return finalize(r);
}

describe('the latency table', () => {
  it('names each latency once: result fields, threshold prefixes and Prometheus names are unique', () => {
    for (const column of ['result', 'threshold', 'prometheus', 'label'] as const) {
      const values = LATENCY_ROWS.map((l) => l[column]);
      expect(new Set(values).size, column).toBe(values.length);
    }
    // Names the result@1 schema and dashboards already hold: never renamed.
    expect(LATENCY_ROWS.map((l) => [l.key, l.result])).toEqual([
      ['sendCall', 'latency'],
      ['receiveCall', 'receiveLatency'],
      ['deleteCall', 'deleteLatency'],
      ['e2e', 'e2eLatency'],
    ]);
  });

  it('derives every summary field in finalize, deleteLatency included', () => {
    const r = drainWithDeletes();
    expect(r.deleteLatency).toMatchObject({ count: 100, p99: expect.closeTo(99, 0) }) // HDR: within 0.1% of the value;
    expect(r.receiveLatency).toMatchObject({ count: 1 });
    expect(r.latency).toBeNull();
    // An empty result carries every field, as null: a reader of result@1 finds them all.
    const empty = emptyResult('send', 'x');
    for (const l of LATENCY_ROWS) expect(empty[l.result], l.result).toBeNull();
  });
});

describe('deleteCall, shown through its row alone', () => {
  it('has a row in the summary, where the drain ran', () => {
    const summary = renderSummary(drainWithDeletes(), 0);
    const row = summary.split('\n').find((line) => line.startsWith('delete call'));
    expect(row).toBeDefined();
    // p50 p90 p99 p99.9 max count
    expect(row!.split(/\s{2,}/).slice(1)).toEqual(['50.0', '90.0', '99.0', '100', '100', '100']);
  });

  it('is drawn in the HTML percentile chart', () => {
    const chart = reportCharts(drainWithDeletes()).find((c) => c.id === 'percentiles')!;
    const series = chart.series.find((s) => s.label === LATENCIES.deleteCall.label)!;
    expect(series).toBeDefined();
    expect(Math.max(...series.values.filter((v): v is number => v !== null))).toBeCloseTo(100, 0);
  });

  it('is a threshold metric, judged on the delete calls', () => {
    expect(parseThreshold('delete.p99<150ms')).toMatchObject({ metric: 'delete.p99', value: 150 });
    expect(metricTable().map(([m]) => m)).toContain('delete.p99 …');
    const [pass, fail, none] = [
      evaluate(drainWithDeletes(), [parseThreshold('delete.p99<150ms')])[0],
      evaluate(drainWithDeletes(), [parseThreshold('delete.max<50ms')])[0],
      evaluate(finalize(emptyResult('send', 's')), [parseThreshold('delete.p99<1s')])[0],
    ];
    expect(pass).toMatchObject({ actual: expect.closeTo(99, 0), ok: true });
    expect(fail).toMatchObject({ actual: expect.closeTo(100, 0), ok: false });
    expect(none).toMatchObject({ actual: null, ok: false }); // no deletes: cannot be shown met
  });

  it('is a compare figure, worse when the deletes slowed', () => {
    const figures = compareResults(drainWithDeletes(), drainWithDeletes((i) => 2 * i));
    const p99 = figures.find((f) => f.metric === 'delete.p99')!;
    expect(p99).toMatchObject({ label: 'delete call ms p99', base: expect.closeTo(99, 0), next: expect.closeTo(198, 0), verdict: 'worse' });
  });

  it('has its histogram on /metrics, from the shared buckets', async () => {
    const state = createSharedState(2);
    // Two workers' rows add up: 3 deletes under 5 ms, one at 3 s.
    new BucketWriter(state.latency, 0, 'deleteCall').record(4);
    new BucketWriter(state.latency, 1, 'deleteCall').record(2);
    new BucketWriter(state.latency, 1, 'deleteCall').record(3);
    new BucketWriter(state.latency, 1, 'deleteCall').record(3000);
    new BucketWriter(state.latency, 0, 'receiveCall').record(7);
    const source = new LiveSource({ run_id: 'r', shard: '0', command: 'drain' }, new LiveView(state), state, () => 0);
    const { server, url } = await serveMetrics(buildRegistry(source), 0, '127.0.0.1');
    try {
      const s = await scrape(url);
      const h = s.histogram('sqs_blast_delete_call_duration_seconds');
      expect(h.count).toBe(4);
      expect(h.buckets['0.005']).toBe(3);
      expect(h.buckets['2.5']).toBe(3);
      expect(h.buckets['5']).toBe(4);
      // Every row of the table is served, under its own name.
      for (const l of LATENCY_ROWS) expect(s.families.has(l.prometheus), l.prometheus).toBe(true);
      expect(s.histogram('sqs_blast_receive_call_duration_seconds').count).toBe(1);
    } finally {
      server.close();
    }
  });
});
