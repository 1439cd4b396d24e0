/** How integrity entries merge and what the verdict makes of them (metrics/integrity.ts), field by field. */
import { describe, expect, it } from 'vitest';
import { IntegrityTracker, mergeIntegrity, notSent, producedShard, verdict, type IntegrityJson } from '../src/metrics/integrity.js';
import { decodeBits, SeqBits } from '../src/metrics/seq-bits.js';

const ID = { runId: 'r1', shard: 0, shards: 1, of: 100, total: 100 };
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const set = (seqs: number[]) => {
  const b = new SeqBits();
  for (const s of seqs) b.mark(s);
  return b.encode();
};
const seqs = (encoded: string | undefined) => {
  const b = decodeBits(encoded);
  return range(0, b.length * 8).filter((s) => b[s >> 3] & (1 << (s & 7)));
};
function consumer(list: number[], id: Partial<IntegrityJson> = {}): IntegrityJson {
  const t = new IntegrityTracker();
  const { runId, shard, shards, of, total } = { ...ID, ...id };
  for (const seq of list) t.observe({ runId, shard, shards, seq, of, total, sentAt: 0 });
  return t.toJSON()[0];
}

describe('mergeIntegrity', () => {
  it('ORs seen seqs, adds duplicates and the overlap, and keeps the union of seqs seen twice', () => {
    const [m] = mergeIntegrity([consumer([0, 1, 2, 2]), consumer([2, 3, 3]), consumer([1])]);
    expect(m).toMatchObject({ distinct: 4, duplicates: 4, maxSeq: 3 });
    expect(seqs(m.seen)).toEqual([0, 1, 2, 3]);
    expect(seqs(m.twice)).toEqual([1, 2, 3]);
  });

  it('leaves no seqs-seen-twice set where nothing was seen twice', () => {
    const [m] = mergeIntegrity([consumer([0, 1]), consumer([2])]);
    expect(m).not.toHaveProperty('twice');
    expect(m.duplicates).toBe(0);
  });

  it('takes the largest size, count and shard count, sums failures, the earliest resume and first seq, any open attempt', () => {
    const a = { ...producedShard({ ...ID, of: 50, total: 50 }, { sent: 40, attempted: 45, failed: 5 }, { acked: set(range(0, 40)), settled: set(range(0, 45)), from: 10 }), open: true };
    const b = producedShard({ ...ID, shards: 2, of: 100, total: 200 }, { sent: 30, attempted: 35, failed: 2 }, { acked: set(range(60, 90)), settled: set(range(60, 95)), from: 60, resentFrom: 70 });
    const c = producedShard(ID, { sent: 1, attempted: 1, failed: 0 }, { acked: set([99]), settled: set([99]), from: 99, resentFrom: 80 });
    const [m] = mergeIntegrity([a, b, c]);
    expect(m).toMatchObject({ of: 100, total: 200, shards: 2, sent: 40, attempted: 45, failed: 7, resentFrom: 70, from: 10, open: true });
    expect(seqs(m.acked)).toEqual([...range(0, 40), ...range(60, 90), 99]);
    expect(seqs(m.settled)).toEqual([...range(0, 45), ...range(60, 95), 99]);
    // A producer from seq 0 among them: no `from` (0 is the default).
    const [z] = mergeIntegrity([b, producedShard(ID, { sent: 1, attempted: 1, failed: 0 }, { acked: set([0]), settled: set([0]), from: 0 })]);
    expect(z).not.toHaveProperty('from');
    expect(z.open).toBeUndefined();
    // A consumer's entry merged before a producer's does not count as a first seq of 0.
    const [w] = mergeIntegrity([consumer([5]), b]);
    expect(w.from).toBe(60);
  });

  it('keeps shards and runs apart, sorted by run id then shard', () => {
    const e = (runId: string, shard: number) => consumer([shard], { runId, shard, shards: 3 });
    const merged = mergeIntegrity([e('b', 0), e('a', 2), e('a', 0), e('b', 1), e('a', 1)]);
    expect(merged.map((m) => `${m.runId}${m.shard}`)).toEqual(['a0', 'a1', 'a2', 'b0', 'b1']);
  });
});

describe('notSent', () => {
  it('counts of - attempted per shard, unknown (null) without any producer, 0 for a killed one', () => {
    expect(notSent([consumer([0])])).toBeNull();
    expect(notSent([producedShard(ID, { sent: 30, attempted: 40, failed: 10 })])).toBe(60);
    // With sets: the seqs from its first that no attempt settled and no consumer saw.
    const withSets = producedShard(ID, { sent: 40, attempted: 40, failed: 0 }, { acked: set(range(10, 50)), settled: set(range(10, 50)), from: 10 });
    expect(notSent(mergeIntegrity([withSets, consumer([55])]))).toBe(49);
    expect(notSent([{ ...withSets, open: true }])).toBe(0);
    // A duration-bounded producer planned nothing: nothing is "not sent".
    expect(notSent([producedShard({ ...ID, of: -1, total: -1 }, { sent: 5, attempted: 5, failed: 0 })])).toBeNull();
  });
});

describe('verdict', () => {
  it('a duration-bounded shard: missing is a lower bound from the highest seen or the producer’s count', () => {
    const seen = consumer([0, 1, 2, 5], { of: -1, total: -1 });
    expect(verdict([seen])).toMatchObject({ missing: 2, exact: false });
    const [merged] = mergeIntegrity([seen, { ...producedShard({ ...ID, of: -1, total: -1 }, { sent: 10, attempted: 10, failed: 0 }), attempted: undefined }]);
    expect(verdict([merged])).toMatchObject({ missing: 6, exact: false });
  });

  it('sizes a shard nobody reported from the run’s total, and says which runs it judged', () => {
    // total 10 over 3 shards: 4, 3, 3. Only shard 0 was seen, whole.
    const v = verdict([consumer(range(0, 4), { shards: 3, of: 4, total: 10 })]);
    expect(v).toMatchObject({ distinct: 4, missing: 6, exact: true, runs: ['r1'] });
    expect(verdict([]).runs).toEqual([]);
    expect(verdict([]).sentExact).toBeNull();
  });

  it('adds the figures of every shard and run', () => {
    const p = (shard: number, acked: number[], settled: number[]) =>
      producedShard({ ...ID, shard, shards: 2, total: 200 }, { sent: acked.length, attempted: settled.length, failed: settled.length - acked.length }, { acked: set(acked), settled: set(settled), from: 0 });
    const merged = mergeIntegrity([p(0, range(0, 90), range(0, 100)), p(1, range(0, 95), range(0, 100)), consumer([...range(0, 89), 95], { shards: 2, total: 200 }), consumer(range(0, 95), { shard: 1, shards: 2, total: 200 })]);
    expect(verdict(merged)).toMatchObject({ missing: 1, failedExact: 15, sentExact: 185, seenFailed: 1, distinct: 185 });
  });
});

describe('integrity at its edges', () => {
  it('keeps run r1 shard 12 apart from run r11 shard 2, in a tracker and in a merge', () => {
    const t = new IntegrityTracker();
    t.observe({ runId: 'r1', shard: 12, shards: 20, seq: 0, of: 10, total: 200, sentAt: 0 });
    t.observe({ runId: 'r11', shard: 2, shards: 20, seq: 0, of: 10, total: 200, sentAt: 0 });
    expect(t.toJSON().map((e) => [e.runId, e.shard, e.distinct])).toEqual([['r1', 12, 1], ['r11', 2, 1]]);
    expect(mergeIntegrity(t.toJSON()).map((e) => [e.runId, e.shard, e.duplicates])).toEqual([['r1', 12, 0], ['r11', 2, 0]]);
  });

  it('an open attempt merged after a finished one still leaves the shard open', () => {
    const done = producedShard(ID, { sent: 10, attempted: 10, failed: 0 }, { acked: set(range(0, 10)), settled: set(range(0, 10)), from: 0 });
    const [m] = mergeIntegrity([done, { ...done, open: true }]);
    expect(m.open).toBe(true);
  });

  it('only an open attempt leaves seqs unaccounted by sends; seen twice without a resume point is duplicates', () => {
    const p = producedShard(ID, { sent: 40, attempted: 40, failed: 0 }, { acked: set(range(0, 40)), settled: set(range(0, 40)), from: 0 });
    const seen = consumer([...range(0, 40), 5, 6]);
    const v = verdict(mergeIntegrity([p, seen]));
    expect(v).toMatchObject({ unaccountedBySends: 0, resent: 0, duplicates: 2, missing: 0 });
  });

  it('judges a run by its largest shard count and total, whichever entry carries them', () => {
    // A consumer saw only shard 0 of a run it took for one shard; the producer of shard 1 says there are two.
    const seen = consumer(range(0, 5), { shards: 1, of: 5, total: 5 });
    const other = producedShard({ ...ID, shard: 1, shards: 2, of: 5, total: 10 }, { sent: 5, attempted: 5, failed: 0 });
    expect(verdict(mergeIntegrity([seen, other]))).toMatchObject({ missing: 5 });
    // Two consumers' entries, one of which knows the run has two shards: shard 1 lacks 4 of its 5.
    expect(verdict([consumer(range(0, 5), { shards: 1, of: 5, total: 5 }), consumer([0], { shard: 1, shards: 2, of: 5, total: 10 })])).toMatchObject({ missing: 4 });
  });
});

