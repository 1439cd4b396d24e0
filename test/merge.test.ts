import { describe, expect, it } from 'vitest';
import { createHistogram, encode, recordMs, summarize } from '../src/metrics/histogram.js';
import { IntegrityTracker, producedShard } from '../src/metrics/integrity.js';
import { mergeResults, parseResults } from '../src/report/merge.js';
import { emptyResult, exitCodeOf, finalize, resultLine, type Result } from '../src/report/result.js';

function drainPart(seqs: number[], startedAt: number, endedAt: number, latencies: number[]): Result {
  const r = emptyResult('drain', 'run1');
  const t = new IntegrityTracker();
  for (const seq of seqs) t.observe({ runId: 'run1', shard: 0, shards: 1, seq, of: 100, total: 100, sentAt: 0 });
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

  it('counts a shard no consumer saw at all as missing, because its producer says it was sent', () => {
    const send = (shard: number, of: number, sent: number): Result => {
      const r = emptyResult('send', 'run1', shard, 2);
      Object.assign(r, { sent, phases: { send: { startedAt: 0, endedAt: 1 } }, integrity: [producedShard({ runId: 'run1', shard, shards: 2, of, total: of < 0 ? -1 : 200 }, sent)] });
      return finalize(r);
    };
    const drainSaw = (seqs: number[], of: number): Result => {
      const r = emptyResult('drain', 'run1', 0, 1);
      const t = new IntegrityTracker();
      for (const seq of seqs) t.observe({ runId: 'run1', shard: 0, shards: 2, seq, of, total: of < 0 ? -1 : 200, sentAt: 0 });
      Object.assign(r, { received: seqs.length, integrity: t.toJSON(), phases: { drain: { startedAt: 0, endedAt: 1 } } });
      return finalize(r);
    };
    // Shard 0 arrived whole; shard 1 not one message: before, nobody knew shard 1 existed.
    const whole = mergeResults([send(0, 100, 100), send(1, 100, 100), drainSaw([...Array(100).keys()], 100)]);
    expect(whole).toMatchObject({ distinct: 100, missing: 100, missingExact: true });
    expect(exitCodeOf(whole)).toBe(1);
    // Nothing arrived anywhere: the drains' results carry no integrity entries at all.
    expect(mergeResults([send(0, 100, 100), send(1, 100, 100), drainSaw([], 100)]).missing).toBe(200);
    // Duration-bounded producers: the acknowledged count is the lower bound.
    const timed = mergeResults([send(0, -1, 70), send(1, -1, 30), drainSaw([0, 1, 2], -1)]);
    expect(timed).toMatchObject({ distinct: 3, missing: 97, missingExact: false });
    // A restarted duration-bounded pod sends seqs 0.. again: the larger count is the bound, not the sum.
    const restarted = mergeResults([send(0, -1, 70), send(0, -1, 50), drainSaw([...Array(70).keys()], -1)]);
    expect(restarted).toMatchObject({ distinct: 70, missing: 0 });
    // Send results alone judge nothing.
    expect(mergeResults([send(0, 100, 100)]).missing).toBe(0);
  });

  it('finds result lines among other log lines, and whole JSON documents', () => {
    const r = drainPart([1, 2], 0, 1, [1]);
    const logs = `noise\n[10s] received 5\n${resultLine(r)}\nmore noise\n`;
    expect(parseResults(logs, 'x')).toHaveLength(1);
    expect(parseResults(JSON.stringify(r, null, 2), 'x')[0].received).toBe(2);
    expect(parseResults('nothing here', 'x')).toHaveLength(0);
  });
});
