/**
 * Proof of arrival. For every (runId, shard) a consumer keeps one bit per `seq`, so a million
 * messages cost 125 KB, not a map of ids. Bitmaps from threads and pods merge by OR; a bit set
 * on both sides is a message that arrived twice.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { MessageHead, PayloadIdentity } from '../payload.js';
import { shardSize } from '../shard.js';

export interface IntegrityJson {
  runId: string;
  shard: number;
  shards: number;
  /** Messages the shard sent (-1 unknown: a duration-bounded producer). */
  of: number;
  total: number;
  distinct: number;
  duplicates: number;
  maxSeq: number;
  /**
   * Messages a producer acknowledged for this shard, when its result is part of the merge. With a
   * duration-bounded producer (`of` -1) it is the only lower bound on what a consumer must see.
   */
  sent?: number;
  /**
   * Messages the producer attempted (sent + failed). A send process claims batches from one
   * counter, so its attempted seqs are exactly 0..attempted-1: only those can be missing, and
   * of - attempted were never sent (an interrupted producer), which is not a loss.
   */
  attempted?: number;
  /** Messages the producer counted failed (never acknowledged by SQS). */
  failed?: number;
  /** Bitmap of seen seqs, raw-deflated and base64 encoded; bit i of byte j is seq j*8+i. */
  seen: string;
}

const popcount8 = new Uint8Array(256).map((_, i) => {
  let n = 0;
  for (let v = i; v; v >>= 1) n += v & 1;
  return n;
});

class ShardSeen {
  bits: Uint8Array;
  distinct = 0;
  duplicates = 0;
  maxSeq = -1;

  constructor(
    readonly runId: string,
    readonly shard: number,
    public shards: number,
    public of: number,
    public total: number,
  ) {
    this.bits = new Uint8Array(of > 0 ? Math.ceil(of / 8) : 1024);
  }

  /** True when seq is new. */
  mark(seq: number): boolean {
    const byte = seq >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (seq & 7);
    if (this.bits[byte] & mask) {
      this.duplicates++;
      return false;
    }
    this.bits[byte] |= mask;
    this.distinct++;
    if (seq > this.maxSeq) this.maxSeq = seq;
    return true;
  }

  toJSON(): IntegrityJson {
    const used = this.maxSeq < 0 ? 0 : (this.maxSeq >>> 3) + 1;
    return {
      runId: this.runId,
      shard: this.shard,
      shards: this.shards,
      of: this.of,
      total: this.total,
      distinct: this.distinct,
      duplicates: this.duplicates,
      maxSeq: this.maxSeq,
      seen: deflateRawSync(this.bits.subarray(0, used)).toString('base64'),
    };
  }
}

export class IntegrityTracker {
  private readonly shards = new Map<string, ShardSeen>();
  private last: ShardSeen | undefined;

  /** Record one received sqs-blast message; true when it is the first copy seen here. */
  observe(head: MessageHead): boolean {
    // Nearly every message belongs to the shard of the one before it: skip building the key.
    let s = this.last;
    if (!s || s.shard !== head.shard || s.runId !== head.runId) {
      const key = head.runId + '\u0000' + head.shard;
      s = this.shards.get(key);
      if (!s) this.shards.set(key, (s = new ShardSeen(head.runId, head.shard, head.shards, head.of, head.total)));
      this.last = s;
    }
    return s.mark(head.seq);
  }

  toJSON(): IntegrityJson[] {
    return [...this.shards.values()].map((s) => s.toJSON());
  }
}

function decodeBits(seen: string): Uint8Array {
  return seen ? new Uint8Array(inflateRawSync(Buffer.from(seen, 'base64'))) : new Uint8Array(0);
}

/** Union of bitmaps from many threads or pods; overlap counts as duplicates. */
export function mergeIntegrity(parts: IntegrityJson[]): IntegrityJson[] {
  const byKey = new Map<string, { entry: IntegrityJson; bits: Uint8Array }>();
  for (const p of parts) {
    const key = p.runId + '\u0000' + p.shard;
    const bits = decodeBits(p.seen);
    const have = byKey.get(key);
    if (!have) {
      byKey.set(key, { entry: { ...p }, bits });
      continue;
    }
    const merged = new Uint8Array(Math.max(have.bits.length, bits.length));
    merged.set(have.bits);
    let overlap = 0;
    for (let i = 0; i < bits.length; i++) {
      overlap += popcount8[merged[i] & bits[i]];
      merged[i] |= bits[i];
    }
    const e = have.entry;
    e.duplicates += p.duplicates + overlap;
    e.distinct += p.distinct - overlap;
    e.maxSeq = Math.max(e.maxSeq, p.maxSeq);
    e.of = Math.max(e.of, p.of);
    e.total = Math.max(e.total, p.total);
    e.shards = Math.max(e.shards, p.shards);
    // Two producers of one shard are a restarted pod: its seqs start again at 0, so they overlap.
    if (p.sent !== undefined) e.sent = Math.max(e.sent ?? 0, p.sent);
    if (p.attempted !== undefined) e.attempted = Math.max(e.attempted ?? 0, p.attempted);
    if (p.failed !== undefined) e.failed = (e.failed ?? 0) + p.failed;
    have.bits = merged;
  }
  return [...byKey.values()]
    .map(({ entry, bits }) => ({ ...entry, seen: deflateRawSync(bits).toString('base64') }))
    .sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.shard - b.shard));
}

/**
 * A producer's own entry: nothing seen, but the shard exists. Without it a merge in which no
 * consumer saw a single message of a shard (or of the whole run) would not know the shard was
 * ever sent, and would call nothing missing.
 */
export function producedShard(identity: PayloadIdentity, counts: { sent: number; attempted: number; failed: number }): IntegrityJson {
  const { runId, shard, shards, of, total } = identity;
  const { sent, attempted, failed } = counts;
  return { runId, shard, shards, of, total, distinct: 0, duplicates: 0, maxSeq: -1, sent, attempted, failed, seen: '' };
}

/** Seen seqs below `limit`: a message above what its producer attempted cannot stand in for a loss. */
function seenBelow(seen: string, limit: number): number {
  const bits = decodeBits(seen);
  const whole = Math.min(limit >>> 3, bits.length);
  let n = 0;
  for (let i = 0; i < whole; i++) n += popcount8[bits[i]];
  if (whole < bits.length && limit & 7) n += popcount8[bits[whole] & ((1 << (limit & 7)) - 1)];
  return n;
}

/**
 * Messages producers planned but never attempted (of - attempted per shard): an interrupted or
 * time-bounded producer's unsent rest. Null when no producer in the set says what it attempted.
 */
export function notSent(entries: IntegrityJson[]): number | null {
  let n: number | null = null;
  for (const e of entries) if (e.attempted !== undefined && e.of >= 0) n = (n ?? 0) + Math.max(0, e.of - e.attempted);
  return n;
}

export interface IntegrityVerdict {
  distinct: number;
  duplicates: number;
  /**
   * Messages a producer attempted that no consumer saw (including whole shards never seen). Where
   * the producer's result is in the set only its attempted seqs count; without it, the shard's
   * size from the bodies. Unseen messages that failed at send are included (a send that timed out
   * may still have been stored, so they cannot be told apart): the summary shows `failed` beside it.
   */
  missing: number;
  /**
   * True when every shard's attempted count (its producer's result) or size was known, so
   * `missing` is exact, not a lower bound.
   */
  exact: boolean;
  runs: string[];
}

export function verdict(entries: IntegrityJson[]): IntegrityVerdict {
  let distinct = 0;
  let duplicates = 0;
  let missing = 0;
  let exact = true;
  const runs = new Map<string, IntegrityJson[]>();
  for (const e of entries) {
    distinct += e.distinct;
    duplicates += e.duplicates;
    const list = runs.get(e.runId) ?? [];
    list.push(e);
    runs.set(e.runId, list);
  }
  for (const list of runs.values()) {
    const shards = Math.max(...list.map((e) => e.shards));
    const total = Math.max(...list.map((e) => e.total));
    const seen = new Map(list.map((e) => [e.shard, e]));
    for (let s = 0; s < shards; s++) {
      const e = seen.get(s);
      const of = e && e.of >= 0 ? e.of : total >= 0 ? shardSize(total, shards, s) : -1;
      if (e?.attempted !== undefined) missing += e.attempted - seenBelow(e.seen, e.attempted);
      else if (of >= 0) missing += Math.max(0, of - (e?.distinct ?? 0));
      else {
        // Duration-bounded producer: seqs are dense, so gaps below the highest seen are missing.
        exact = false;
        if (e) missing += Math.max(e.maxSeq + 1, e.sent ?? 0) - e.distinct;
      }
    }
  }
  return { distinct, duplicates, missing, exact, runs: [...runs.keys()] };
}
