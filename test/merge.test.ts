import { describe, expect, it } from 'vitest';
import { createHistogram, encode, recordMs, summarize } from '../src/metrics/histogram.js';
import { IntegrityTracker } from '../src/metrics/integrity.js';
import { mergeResults, parseResults } from '../src/report/merge.js';
import { emptyResult, exitCodeOf, finalize, resultLine, type Result } from '../src/report/result.js';

function drainPart(seqs: number[], startedAt: number, endedAt: number, latencies: number[]): Result {
  const r = emptyResult('drain', 'run1');
  const t = new IntegrityTracker();
  for (const seq of seqs) t.observe({ id: '', runId: 'run1', shard: 0, shards: 1, seq, of: 100, total: 100, sentAt: 0 });
  const h = createHistogram();
  for (const l of latencies) recordMs(h, l);
  Object.assign(r, { startedAt, endedAt, received: seqs.length, deleted: seqs.length, integrity: t.toJSON(), histograms: { e2e: encode(h) }, phases: { drain: { startedAt, endedAt } }, dlqDepth: 2, errors: { ThrottlingException: 1 } });
  r.partial = true;
  return finalize(r);
}

describe('merging results', () => {
  it('adds counts and histograms, ORs bitmaps, spans phases, and keeps the DLQ depth a level', () => {
    const a = drainPart([...Array(60).keys()], 1_000, 5_000, [10, 20, 30]);
    const b = drainPart([...Array(50).keys()].map((i) => i + 50), 2_000, 11_000, [40, 50]);
    const m = mergeResults([a, b]);
    expect(m).toMatchObject({ kind: 'report', parts: 2, received: 110, distinct: 100, duplicates: 10, missing: 0, dlqDepth: 2, partial: false });
    expect(m.errors).toEqual({ ThrottlingException: 2 });
    expect(m.phases.drain).toEqual({ startedAt: 1_000, endedAt: 11_000 });
    expect(m.throughput.receive).toBe(11); // 110 messages over 10 s
    const all = createHistogram();
    for (const l of [10, 20, 30, 40, 50]) recordMs(all, l);
    expect(m.e2eLatency).toEqual(summarize(all));
    expect(exitCodeOf(m)).toBe(1); // the DLQ is not empty
  });

  it('finds result lines among other log lines, and whole JSON documents', () => {
    const r = drainPart([1, 2], 0, 1, [1]);
    const logs = `noise\n[10s] received 5\n${resultLine(r)}\nmore noise\n`;
    expect(parseResults(logs, 'x')).toHaveLength(1);
    expect(parseResults(JSON.stringify(r, null, 2), 'x')[0].received).toBe(2);
    expect(parseResults('nothing here', 'x')).toHaveLength(0);
  });
});
