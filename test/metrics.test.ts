import { describe, expect, it } from 'vitest';
import { createHistogram, decode, encode, mergeEncoded, recordMs, summarize } from '../src/metrics/histogram.js';
import { IntegrityTracker, mergeIntegrity, verdict } from '../src/metrics/integrity.js';
import { mergeTimelines, Timeline } from '../src/metrics/timeline.js';
import { addCounts } from '../src/metrics/counters.js';
import type { MessageHead } from '../src/payload.js';

const head = (seq: number, shard = 0, of = 100, total = 300, shards = 3): MessageHead => ({
  runId: 'r',
  shard,
  shards,
  seq,
  of,
  total,
  sentAt: 0,
});

describe('histograms', () => {
  it('merging encoded histograms equals recording everything in one', () => {
    const a = createHistogram();
    const b = createHistogram();
    const all = createHistogram();
    for (let i = 1; i <= 5000; i++) {
      const ms = (i % 97) * 1.37 + 0.05;
      recordMs(i % 2 ? a : b, ms);
      recordMs(all, ms);
    }
    const merged = mergeEncoded([encode(a), encode(b), undefined]);
    expect(merged.totalCount).toBe(5000);
    expect(summarize(merged)).toEqual(summarize(all));
    expect(decode(encode(all)).getValueAtPercentile(99)).toBe(all.getValueAtPercentile(99));
  });

  it('reports percentiles in milliseconds', () => {
    const h = createHistogram();
    for (let i = 0; i < 100; i++) recordMs(h, 10);
    recordMs(h, 2000);
    const s = summarize(h);
    expect(s.p50).toBeCloseTo(10, 1);
    expect(s.max).toBeCloseTo(2000, -1);
    expect(s.count).toBe(101);
  });
});

describe('integrity bitmaps', () => {
  it('counts distinct, duplicates and missing, including shards never seen', () => {
    const t = new IntegrityTracker();
    for (let s = 0; s < 100; s++) if (s !== 42) t.observe(head(s, 0));
    expect(t.observe(head(7, 0))).toBe(false);
    for (let s = 0; s < 100; s++) t.observe(head(s, 1));
    // shard 2 never arrived: 100 missing, known from total/shards
    const v = verdict(t.toJSON());
    expect(v).toMatchObject({ distinct: 199, duplicates: 1, missing: 101, exact: true });
  });

  it('keeps shards and runs apart when their messages interleave', () => {
    const t = new IntegrityTracker();
    const other = (seq: number): MessageHead => ({ ...head(seq, 0), runId: 's' });
    // Alternate (r,0), (r,1), (s,0) message by message, then repeat every second one.
    for (let s = 0; s < 100; s++) for (const h of [head(s, 0), head(s, 1), other(s)]) expect(t.observe(h)).toBe(true);
    for (let s = 0; s < 100; s += 2) for (const h of [other(s), head(s, 1), head(s, 0)]) expect(t.observe(h)).toBe(false);
    const entries = t.toJSON();
    expect(entries.map((e) => [e.runId, e.shard, e.distinct, e.duplicates])).toEqual([
      ['r', 0, 100, 50],
      ['r', 1, 100, 50],
      ['s', 0, 100, 50],
    ]);
  });

  it('ORs bitmaps across threads and pods; overlap is duplicates', () => {
    const a = new IntegrityTracker();
    const b = new IntegrityTracker();
    for (let s = 0; s < 60; s++) a.observe(head(s, 0, 100, 100, 1));
    for (let s = 50; s < 100; s++) b.observe(head(s, 0, 100, 100, 1));
    const merged = mergeIntegrity([...a.toJSON(), ...b.toJSON()]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ distinct: 100, duplicates: 10 });
    expect(verdict(merged)).toMatchObject({ distinct: 100, duplicates: 10, missing: 0 });
    // merging is associative: merge the merged result with a third part
    const c = new IntegrityTracker();
    c.observe(head(0, 0, 100, 100, 1));
    expect(verdict(mergeIntegrity([...merged, ...c.toJSON()]))).toMatchObject({ distinct: 100, duplicates: 11 });
  });

  it('keeps a million seqs in about 125 KB', () => {
    const t = new IntegrityTracker();
    for (let s = 0; s < 1_000_000; s++) t.observe(head(s, 0, 1_000_000, 1_000_000, 1));
    const [entry] = t.toJSON();
    expect(entry.distinct).toBe(1_000_000);
    expect(Buffer.from(entry.seen, 'base64').length).toBeLessThan(10_000); // all ones compress well
    expect(verdict([entry]).missing).toBe(0);
  });

  it('gives a lower bound when the producer size is unknown', () => {
    const t = new IntegrityTracker();
    for (const s of [0, 1, 2, 5]) t.observe(head(s, 0, -1, -1, 1));
    expect(verdict(t.toJSON())).toMatchObject({ missing: 2, exact: false });
  });
});

describe('timelines and counts', () => {
  it('merges per-second slots by wall-clock second', () => {
    const a = new Timeline(10_000);
    const b = new Timeline(12_000);
    a.add('sent', 10_100, 5);
    a.add('sent', 12_500, 1);
    b.add('sent', 12_900, 2);
    b.add('received', 13_000, 7);
    const m = mergeTimelines([a.toJSON(), b.toJSON()])!;
    expect(m.start).toBe(10_000);
    expect(m.series.sent).toEqual([5, 0, 3]);
    expect(m.series.received).toEqual([0, 0, 0, 7]);
  });

  it('adds error counts by code', () => {
    expect(addCounts({ A: 1 }, { A: 2, B: 1 })).toEqual({ A: 3, B: 1 });
  });
});
