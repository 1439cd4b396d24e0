/**
 * The ledger's arithmetic without a server: seq sets, the verdict over producers' acknowledged
 * and settled seqs, pod attempts (killed, superseded, two applies), and where a retried send
 * resumes. The same code runs in test/ledger.int.test.ts against real processes and S3.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { ledgerView, plannedOf } from '../src/ledger/merge.js';
import { doneKey, doneShards } from '../src/ledger/markers.js';
import { resumeAfter } from '../src/ledger/resume.js';
import { mergeIntegrity, notSent, producedShard, verdict, type IntegrityJson } from '../src/metrics/integrity.js';
import { countRange, decodeBits, firstAbsent, SeqBits } from '../src/metrics/seq-bits.js';
import { mergeResults } from '../src/report/merge.js';
import { emptyResult, type Result } from '../src/result/document.js';

const ID = { runId: 'r1', shard: 0, shards: 1, of: 100, total: 100 };

function set(seqs: Iterable<number>): string {
  const b = new SeqBits();
  for (const s of seqs) b.mark(s);
  return b.encode();
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A consumer's entry that saw `seqs` (a seq twice when listed twice). */
function consumer(seqs: number[]): IntegrityJson {
  const seen = new SeqBits();
  const twice = new SeqBits();
  let duplicates = 0;
  for (const s of seqs) if (!seen.mark(s)) (duplicates++, twice.mark(s));
  return { ...ID, distinct: seen.size, duplicates, maxSeq: seen.maxSeq, seen: seen.encode(), ...(duplicates ? { twice: twice.encode() } : {}) };
}

function producer(acked: number[], settled: number[], extra: Partial<IntegrityJson> = {}): IntegrityJson {
  return { ...producedShard(ID, { sent: acked.length, attempted: settled.length, failed: settled.length - acked.length }, { acked: set(acked), settled: set(settled), from: 0 }), ...extra };
}

describe('seq sets', () => {
  it('mark, encode and count', () => {
    const b = new SeqBits(10);
    expect(b.mark(3)).toBe(true);
    expect(b.mark(3)).toBe(false);
    b.mark(70_000); // grows past its first size
    expect(b.size).toBe(2);
    const bits = decodeBits(b.encode());
    expect(countRange(bits)).toBe(2);
    expect(countRange(bits, 4)).toBe(1);
    expect(countRange(bits, 0, 3)).toBe(0);
    expect(countRange(bits, 3, 4)).toBe(1);
    expect(firstAbsent(decodeBits(set([0, 1, 2, 4])))).toBe(3);
    expect(firstAbsent(decodeBits(set(range(0, 16))))).toBe(16);
  });
});

describe('the verdict over what producers acknowledged', () => {
  it('a refused send is failed, never missing; a missing one is acknowledged and unseen', () => {
    const acked = [...range(0, 10), ...range(20, 100)];
    const merged = mergeIntegrity([producer(acked, range(0, 100)), consumer(acked.filter((s) => s !== 42))]);
    const v = verdict(merged);
    expect(v).toMatchObject({ missing: 1, failedExact: 10, sentExact: 90, seenFailed: 0, unaccountedByDrains: 0 });
  });

  it('a failed send that a consumer saw anyway (the call timed out after SQS stored it) is named', () => {
    const merged = mergeIntegrity([producer(range(0, 90), range(0, 100)), consumer([...range(0, 90), 95])]);
    expect(verdict(merged)).toMatchObject({ missing: 0, seenFailed: 1, failedExact: 10, sentExact: 90 });
  });

  it('with a consumer attempt killed after its checkpoint, unseen acknowledged messages are unaccounted, not missing', () => {
    const merged = mergeIntegrity([producer(range(0, 100), range(0, 100)), consumer(range(0, 70))]);
    expect(verdict(merged, { openDrainRuns: new Set(['r1']) })).toMatchObject({ missing: 0, unaccountedByDrains: 30 });
    expect(verdict(merged)).toMatchObject({ missing: 30, unaccountedByDrains: 0 });
  });

  it('copies seen twice from where a retried send resumed after a killed attempt are resent, not duplicates', () => {
    // The killed attempt settled 0..49 by its checkpoint and went on to send 50..59; the retry sent 50..99.
    const killed = producer(range(0, 50), range(0, 50), { open: true });
    const retry = producer(range(50, 100), range(50, 100), { from: 50, resentFrom: 50 });
    const seen = consumer([...range(0, 100), ...range(50, 60), 7]);
    const merged = mergeIntegrity([killed, retry, seen]);
    const v = verdict(merged);
    expect(v).toMatchObject({ missing: 0, resent: 10, duplicates: 1, sentExact: 100, unaccountedBySends: 0 });
    expect(notSent(merged)).toBe(0);
  });

  it('a killed producer no later attempt finished leaves its unknown seqs unaccounted, not "not sent"', () => {
    const merged = mergeIntegrity([producer(range(0, 40), range(0, 40), { open: true }), consumer(range(0, 45))]);
    const v = verdict(merged);
    // 0..39 settled, 40..44 seen though unsettled (sent after the checkpoint), 45..99 unknown.
    expect(v).toMatchObject({ missing: 0, unaccountedBySends: 55, sentExact: 45 });
    expect(notSent(merged)).toBe(0);
  });

  it('without producers’ sets, a seq at exactly `attempted` does not stand in for a missing one', () => {
    const old: IntegrityJson = { ...ID, distinct: 0, duplicates: 0, maxSeq: -1, sent: 100, attempted: 50, failed: 0, seen: '' };
    const merged = mergeIntegrity([old, consumer([...range(0, 50).filter((s) => s !== 3), 50])]);
    expect(verdict(merged).missing).toBe(1);
  });
});

function attempt(kind: Result['kind'], shard: number, pod: string, at: number, opts: { final?: boolean; uid?: string; interrupted?: string; planned?: number; resumedFrom?: number } = {}): Result {
  const r = emptyResult(kind, 'r1', shard, 2);
  r.attempt = { pod, controllerUid: opts.uid ?? `${kind}-uid`, final: opts.final ?? true, checkpoints: 1, at, ...(opts.resumedFrom !== undefined ? { resumedFrom: opts.resumedFrom } : {}) };
  r.interrupted = opts.interrupted ?? null;
  if (kind === 'send') {
    r.phases.send = { startedAt: at - 1000, endedAt: at };
    r.planned = opts.planned ?? 100;
  }
  return r;
}

describe('pod attempts in a merge', () => {
  it('names killed attempts, and an interrupted one a later attempt carried on is superseded', () => {
    const term = attempt('send', 1, 'send-1-a', 1000, { interrupted: 'SIGTERM' });
    const retry = attempt('send', 1, 'send-1-b', 2000, { planned: 60, resumedFrom: 40 });
    const killed = attempt('drain', 0, 'drain-0-a', 1500, { final: false });
    const view = ledgerView([term, retry, killed, attempt('send', 0, 'send-0-a', 900)]);
    expect(view.unfinished).toEqual([expect.objectContaining({ kind: 'drain', shard: 0, pod: 'drain-0-a', lastCheckpointAt: 1500 })]);
    expect([...view.superseded]).toEqual([term]);
    // Each shard planned once: 100 + 100, not 100 + 100 + 60.
    expect(plannedOf(view.parts)).toBe(200);
  });

  it('in a merge, a killed send attempt is resumed only by a later final attempt of the same shard', () => {
    const killed = attempt('send', 1, 'send-1-a', 1000, { final: false });
    const warning = (parts: Result[]) => mergeResults(parts).coverage!.warnings.filter((w) => w.startsWith('send shard 1 (pod send-1-a)'));
    const resumed = /a later attempt resumed the shard/;
    const unfinished = /no later attempt finished the shard/;
    expect(mergeResults([killed, attempt('send', 0, 'send-0-a', 900)]).unfinished).toEqual([expect.objectContaining({ pod: 'send-1-a', lastCheckpointAt: 1000 })]);
    expect(warning([killed, attempt('send', 1, 'send-1-b', 2000, { resumedFrom: 40 })])).toEqual([expect.stringMatching(resumed)]);
    // Not a later one: finished before the killed attempt's last checkpoint, of another shard, kind or run, or itself not final.
    expect(warning([killed, attempt('send', 1, 'send-1-b', 1000)])).toEqual([expect.stringMatching(unfinished)]);
    expect(warning([killed, attempt('send', 0, 'send-0-b', 2000)])).toEqual([expect.stringMatching(unfinished)]);
    expect(warning([killed, attempt('drain', 1, 'drain-1-b', 2000)])).toEqual([expect.stringMatching(unfinished)]);
    expect(warning([killed, { ...attempt('send', 1, 'send-1-b', 2000), runId: 'r2' }])).toEqual([expect.stringMatching(unfinished)]);
    expect(warning([killed, attempt('send', 1, 'send-1-c', 2000, { final: false })])).toEqual([expect.stringMatching(unfinished)]);
    expect(mergeResults([attempt('send', 0, 'send-0-a', 900)])).not.toHaveProperty('unfinished');
  });

  it('refuses one run id applied twice, naming both Job uids, and merges one apply by choice', () => {
    const parts = [attempt('send', 0, 'a', 1, { uid: 'uid-one' }), attempt('send', 0, 'b', 2, { uid: 'uid-two' })];
    expect(() => ledgerView(parts)).toThrow(UsageError);
    expect(() => ledgerView(parts)).toThrow(/uid-one.*uid-two.*--job-uid/);
    expect(ledgerView(parts, ['uid-two']).parts.map((p) => p.attempt?.pod)).toEqual(['b']);
    expect(() => ledgerView(parts, ['uid-three'])).toThrow(/no result of those Job uids/);
  });
});

describe('where a retried send resumes', () => {
  function earlier(settled: number[], final: boolean): Result {
    const r = attempt('send', 0, final ? 'graceful' : 'killed', 5, { final });
    r.integrity = [producer(settled, settled)];
    return r;
  }

  it('at the first seq no earlier attempt settled; after a killed one, from there copies are resent', () => {
    expect(resumeAfter([], 0)).toEqual({ firstSeq: 0, earlier: 0 });
    const graceful = resumeAfter([earlier([...range(0, 640), 650], true)], 0);
    expect(graceful).toMatchObject({ firstSeq: 640, earlier: 1 });
    expect(graceful.resentFrom).toBeUndefined();
    const killed = resumeAfter([earlier(range(0, 300), false)], 0);
    expect(killed).toMatchObject({ firstSeq: 300, resentFrom: 300 });
    expect(killed.note).toMatch(/resuming there.*counted as resent/);
    // A shard an earlier attempt finished has nothing left to send.
    expect(resumeAfter([earlier(range(0, 100), true)], 0).firstSeq).toBe(100);
  });
});

describe('done markers', () => {
  it('name the shard, and are read back per run', () => {
    const keys = [doneKey('r1', 3, { pod: 'Send-3/x', controllerUid: 'U' }), doneKey('r1', 10, { pod: 'p' }), doneKey('r2', 1, { pod: 'p' }), 'r1/send-0001-of-0002-1-h-n.json'];
    expect(keys[0]).toMatch(/^r1\/shards-done\/send-3-u-send-3-x$/);
    expect([...doneShards('r1', keys)].sort((a, b) => a - b)).toEqual([3, 10]);
  });
});
