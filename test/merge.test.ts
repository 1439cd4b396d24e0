import { describe, expect, it } from 'vitest';
import { createHistogram, encode, recordMs, summarize } from '../src/metrics/histogram.js';
import { IntegrityTracker, producedShard } from '../src/metrics/integrity.js';
import { mergeResults, parseResults } from '../src/report/merge.js';
import { ranges } from '../src/report/coverage.js';
import { emptyResult, exitCodeOf, finalize, resultLine, type Result } from '../src/result/document.js';
import { renderSummary } from '../src/report/summary.js';
import { judgeResult, parseThresholds } from '../src/report/thresholds.js';

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

describe('unseen messages still in the queues at the end', () => {
  const send = (sent: number): Result => {
    const r = emptyResult('send', 'run1', 0, 1);
    Object.assign(r, { sent, phases: { send: { startedAt: 0, endedAt: 1 } }, integrity: [producedShard({ runId: 'run1', shard: 0, shards: 1, of: sent, total: sent }, { sent, attempted: sent, failed: 0 })] });
    return finalize(r);
  };
  const drain = (seen: number, left: { visible: number; inFlight: number }): Result => {
    const r = emptyResult('drain', 'run1', 0, 1);
    const t = new IntegrityTracker();
    for (let seq = 0; seq < seen; seq++) t.observe({ runId: 'run1', shard: 0, shards: 1, seq, of: 100, total: 100, sentAt: 0 });
    Object.assign(r, { received: seen, integrity: t.toJSON(), phases: { drain: { startedAt: 0, endedAt: 2 } }, endedAt: 2, queues: [{ url: 'http://q/000/load-1', ...left, delayed: 0 }] });
    return finalize(r);
  };

  it('are unaccounted, never missing, up to what the queues held; the rest of the unseen stays missing', () => {
    // 100 sent, 60 seen, the queue holds 25 in flight (a cut-off poll's) and 5 visible: 30 may be ours.
    const m = mergeResults([send(100), drain(60, { visible: 5, inFlight: 25 })]);
    expect(m).toMatchObject({ distinct: 60, missing: 10, unaccounted: 30, unseenInQueues: 30 });
    expect(exitCodeOf(m)).toBe(1);
    expect(renderSummary(m, exitCodeOf(m))).toContain('30 unseen messages may still be in the queues (they held 30 when the drain ended');
    // More left in the queue than unseen (foreign ones too): the bound is the unseen count.
    expect(mergeResults([send(100), drain(90, { visible: 50, inFlight: 0 })])).toMatchObject({ missing: 0, unaccounted: 10, unseenInQueues: 10 });
    // Empty queues at the end: every unseen message is missing, as before.
    const gone = mergeResults([send(100), drain(97, { visible: 0, inFlight: 0 })]);
    expect(gone).toMatchObject({ missing: 3 });
    expect(gone.unaccounted).toBeUndefined();
  });
});

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
      Object.assign(r, { sent, phases: { send: { startedAt: 0, endedAt: 1 } }, integrity: [producedShard({ runId: 'run1', shard, shards: 2, of, total: of < 0 ? -1 : 200 }, { sent, attempted: sent, failed: 0 })] });
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
    // Duration-bounded producers: what they attempted (seqs 0..attempted-1) makes the count exact.
    const timed = mergeResults([send(0, -1, 70), send(1, -1, 30), drainSaw([0, 1, 2], -1)]);
    expect(timed).toMatchObject({ distinct: 3, missing: 97, missingExact: true });
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

describe('what was never sent is not missing', () => {
  const send = (shard: number, shards: number, of: number, attempted: number, runId = 'run1', failed = 0): Result => {
    const r = emptyResult('send', runId, shard, shards);
    Object.assign(r, {
      planned: of,
      attempted,
      sent: attempted - failed,
      failed,
      phases: { send: { startedAt: 0, endedAt: 1 } },
      integrity: [producedShard({ runId, shard, shards, of, total: of * shards }, { sent: attempted - failed, attempted, failed })],
    });
    return finalize(r);
  };
  const drainSaw = (shard: number, shards: number, of: number, seqs: number[], runId = 'run1'): Result => {
    const r = emptyResult('drain', runId, 0, 1);
    const t = new IntegrityTracker();
    for (const seq of seqs) t.observe({ runId, shard, shards, seq, of, total: of * shards, sentAt: 0 });
    Object.assign(r, { received: seqs.length, integrity: t.toJSON(), phases: { drain: { startedAt: 0, endedAt: 1 } } });
    return finalize(r);
  };
  const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

  it('counts missing only over the seqs a producer attempted, and the rest as not sent', () => {
    // A producer stopped after 40 of 100: 40 arrived, 60 were never sent.
    const m = mergeResults([send(0, 1, 100, 40), drainSaw(0, 1, 100, range(40))]);
    expect(m).toMatchObject({ missing: 0, notSent: 60, missingExact: true });
    // 3 of the attempted 40 never arrived: those are missing, the 60 still only not sent.
    const lost = mergeResults([send(0, 1, 100, 40), drainSaw(0, 1, 100, range(37))]);
    expect(lost).toMatchObject({ missing: 3, notSent: 60 });
    expect(exitCodeOf(lost)).toBe(1);
  });

  it('does not let a message above what was attempted hide a loss', () => {
    // Seq 39 is lost; seq 70 (a stray from another attempt) must not make up for it.
    const m = mergeResults([send(0, 1, 100, 40), drainSaw(0, 1, 100, [...range(39), 70])]);
    expect(m).toMatchObject({ distinct: 40, missing: 1, notSent: 60 });
    // Nor a stray exactly at `attempted` (seq 40: the first seq this producer never sent).
    const edge = mergeResults([send(0, 1, 100, 40), drainSaw(0, 1, 100, [...range(39), 40])]);
    expect(edge).toMatchObject({ distinct: 40, missing: 1, notSent: 60 });
  });

  it('takes the larger attempt of a retried shard, whose re-sent slice shows as duplicates', () => {
    const m = mergeResults([send(0, 1, 100, 30), send(0, 1, 100, 100), drainSaw(0, 1, 100, [...range(100), ...range(30)])]);
    expect(m).toMatchObject({ distinct: 100, duplicates: 30, missing: 0, notSent: 0 });
  });

  it('knows nothing about not-sent messages without a producer result', () => {
    expect(mergeResults([drainSaw(0, 1, 100, range(100))]).notSent).toBeNull();
  });
});

describe('report coverage', () => {
  const send = (shard: number, shards: number, runId: string): Result => {
    const r = emptyResult('send', runId, shard, shards);
    Object.assign(r, { attempted: 10, sent: 10, planned: 10, phases: { send: { startedAt: 0, endedAt: 1 } } });
    r.integrity = [producedShard({ runId, shard, shards, of: 10, total: 10 * shards }, { sent: 10, attempted: 10, failed: 0 })];
    return finalize(r);
  };
  const drainAll = (runIds: string[], shards: number): Result => {
    const r = emptyResult('drain', 'd', 0, 1);
    const t = new IntegrityTracker();
    for (const runId of runIds) for (let shard = 0; shard < shards; shard++) for (let seq = 0; seq < 10; seq++) t.observe({ runId, shard, shards, seq, of: 10, total: 10 * shards, sentAt: 0 });
    Object.assign(r, { received: 10 * shards * runIds.length, integrity: t.toJSON(), phases: { drain: { startedAt: 0, endedAt: 1 } } });
    return finalize(r);
  };

  it('is complete when every shard of every run has its send result', () => {
    const m = mergeResults([send(0, 2, 'r'), send(1, 2, 'r'), drainAll(['r'], 2)]);
    expect(m.coverage).toMatchObject({ complete: true, warnings: [], splitRunIds: [] });
    expect(exitCodeOf(m)).toBe(0);
  });

  it('names the shards whose send results are lacking, fails a missing threshold and never says PASS', () => {
    const m = mergeResults([send(0, 4, 'r'), send(2, 4, 'r'), drainAll(['r'], 4)]);
    expect(m.missing).toBe(0); // every message arrived, yet two shards could have been cut short unseen
    expect(m.coverage!.complete).toBe(false);
    expect(m.coverage!.runs).toEqual([{ runId: 'r', shards: 4, missingSendShards: [1, 3] }]);
    expect(m.coverage!.warnings).toEqual([expect.stringMatching(/^run r: no send result for shards 1, 3 of 4: /)]);
    const code = judgeResult(m, parseThresholds(['missing==0', 'duplicates==0']));
    expect(code).toBe(99);
    expect(m.thresholds!.map((t) => t.ok)).toEqual([false, true]);
    expect(exitCodeOf(m)).toBe(1);
    const summary = renderSummary(m, 1);
    expect(summary).toMatch(/^warning {4}run r: no send result for shards 1, 3 of 4/m);
    expect(summary).toContain('missing 0 (not judged: send results lacking)');
    expect(summary).not.toContain('PASS');
    // Dropping the coverage finding would make the same merge a PASS: the check is what fails it.
    expect(exitCodeOf({ ...m, coverage: undefined })).toBe(0);
  });

  it('says when several run ids each hold part of their shards (shards without a shared --run-id)', () => {
    const m = mergeResults([send(0, 3, 'a'), send(1, 3, 'b'), send(2, 3, 'c'), drainAll(['a', 'b', 'c'], 3)]);
    expect(m.coverage!.splitRunIds).toEqual(['a', 'b', 'c']);
    expect(m.coverage!.warnings).toEqual([expect.stringMatching(/^3 run ids \(a, b, c\) each hold send results for part of their shards: .*--run-id/)]);
    expect(exitCodeOf(m)).toBe(1);
  });

  it('compresses long shard lists into ranges', () => {
    expect(ranges([0, 1, 2, 3, 7, 9, 10, 11, 12])).toBe('0-3, 7, 9-12');
  });
});

describe('what a merge carries over from its parts', () => {
  const part = (kind: Result['kind'], shard: number, fields: Partial<Result>): Result => {
    const r = emptyResult(kind, 'run9', shard, 3);
    Object.assign(r, fields);
    return r;
  };

  it('spans phases, adds planned and expected, keeps the furthest clock and each queue’s latest depth', () => {
    const q = (url: string, visible: number) => ({ url, visible, inFlight: 0, delayed: 0 });
    const a = part('send', 0, { startedAt: 100, endedAt: 900, planned: 40, expected: 5, clockOffsetMs: -30, phases: { send: { startedAt: 110, endedAt: 800 } }, queues: [q('u1', 7), q('u2', 1)] });
    const b = part('send', 1, { startedAt: 50, endedAt: 700, planned: 60, expected: null, clockOffsetMs: 12, phases: { send: { startedAt: 60, endedAt: 650 } }, queues: [q('u1', 9)] });
    const c = part('drain', 0, { startedAt: 200, endedAt: 2000, planned: null, expected: 2, clockOffsetMs: 45, phases: { drain: { startedAt: 300, endedAt: 1900 } }, queues: [q('u2', 0)], parts: 4 });
    c.cost.pricePerMillion = 0.5;
    const m = mergeResults([a, b, c]);
    expect(m).toMatchObject({ kind: 'report', runId: 'run9', shards: 3, parts: 6, startedAt: 50, endedAt: 2000, planned: 100, expected: 7, clockOffsetMs: 45 });
    expect(m.phases).toEqual({ send: { startedAt: 60, endedAt: 800 }, drain: { startedAt: 300, endedAt: 1900 } });
    expect(m.cost.pricePerMillion).toBe(0.5);
    // u1: a's (ended 900) is later than b's (700); u2: c's (2000) is later than a's.
    expect(m.queues).toEqual([q('u1', 7), q('u2', 0)]);
    expect(m.config).toMatchObject({
      merged: [
        { kind: 'send', runId: 'run9', shard: 0, shards: 3 },
        { kind: 'send', runId: 'run9', shard: 1, shards: 3 },
        { kind: 'drain', runId: 'run9', shard: 0, shards: 3 },
      ],
      partsInterrupted: 0,
    });
  });

  it('knows no plan when a send part has none, and none without a send phase', () => {
    const a = part('send', 0, { planned: 40, phases: { send: { startedAt: 0, endedAt: 1 } } });
    const b = part('send', 1, { planned: null, phases: { send: { startedAt: 0, endedAt: 1 } } });
    expect(mergeResults([a, b]).planned).toBeNull();
    expect(mergeResults([b, a]).planned).toBeNull();
    expect(mergeResults([part('drain', 0, { phases: { drain: { startedAt: 0, endedAt: 1 } } })]).planned).toBeNull();
    expect(mergeResults([part('drain', 0, {})]).expected).toBeNull();
  });

  it('names a merge of several runs "mixed", and counts its interrupted parts', () => {
    const a = emptyResult('send', 'a', 0, 1);
    const b = emptyResult('send', 'b', 0, 2);
    b.interrupted = 'SIGTERM';
    const m = mergeResults([a, b]);
    expect(m.runId).toBe('mixed');
    expect(m.shards).toBe(2);
    expect(m.config).toMatchObject({ partsInterrupted: 1, merged: [{ runId: 'a', interrupted: null }, { runId: 'b', interrupted: 'SIGTERM' }] });
  });

  it('keeps the DLQ depth a level: the largest any part saw', () => {
    const m = mergeResults([part('drain', 0, { dlqDepth: 3 }), part('drain', 1, { dlqDepth: null }), part('drain', 2, { dlqDepth: 8 })]);
    expect(m.dlqDepth).toBe(8);
  });
});
