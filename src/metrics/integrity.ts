/**
 * Proof of arrival. For every (runId, shard) a consumer keeps one bit per `seq`, so a million
 * messages cost 125 KB, not a map of ids. Bitmaps from threads and pods merge by OR; a bit set
 * on both sides is a message that arrived twice.
 */
import type { MessageHead, PayloadIdentity } from '../payload.js';
import { shardSize } from '../shard.js';
import { andBits, countRange, decodeBits, encodeBits, minusBits, orBits, overlap, SeqBits } from './seq-bits.js';

export interface IntegrityJson {
  runId: string;
  shard: number;
  /**
   * drain --fan-out: the subscription queue (by name) this consumer entry saw, each one its own
   * copy of the run (sns/fan-out.ts). Absent: the queues share one copy (and on producers' entries).
   */
  subscription?: string;
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
  /** Consumers: seqs seen more than once (absent: none). */
  twice?: string;
  /**
   * Producers: the seqs SQS acknowledged. With it, `missing` is what SQS acknowledged and no
   * consumer saw: a refused send is failed, never missing.
   */
  acked?: string;
  /** Producers: the seqs whose send ended, acknowledged or failed (a superset of `acked`). */
  settled?: string;
  /**
   * Producers: an attempt of this shard continued after one that left no final result (killed):
   * from this seq on, a message may have been sent by both, and a copy seen twice is `resent`.
   */
  resentFrom?: number;
  /** Producers: the first seq this producer (or the first of its attempts) sent; absent: 0. */
  from?: number;
  /**
   * From an attempt that left no final result (a checkpoint): what it did after its last
   * checkpoint is unknown.
   */
  open?: boolean;
}

/** One bitmap per (run, shard), and per subscription with drain --fan-out. */
function entryKey(runId: string, shard: number, subscription: string | undefined): string {
  return subscription === undefined ? runId + '\u0000' + shard : runId + '\u0000' + shard + '\u0000' + subscription;
}

class ShardSeen {
  readonly seen: SeqBits;
  twice: SeqBits | undefined;
  duplicates = 0;

  constructor(
    readonly runId: string,
    readonly shard: number,
    public shards: number,
    public of: number,
    public total: number,
    readonly subscription?: string,
  ) {
    this.seen = new SeqBits(of);
  }

  /** True when seq is new. */
  mark(seq: number): boolean {
    if (this.seen.mark(seq)) return true;
    this.duplicates++;
    (this.twice ??= new SeqBits()).mark(seq);
    return false;
  }

  toJSON(): IntegrityJson {
    return {
      runId: this.runId,
      shard: this.shard,
      ...(this.subscription !== undefined ? { subscription: this.subscription } : {}),
      shards: this.shards,
      of: this.of,
      total: this.total,
      distinct: this.seen.size,
      duplicates: this.duplicates,
      maxSeq: this.seen.maxSeq,
      seen: this.seen.encode(),
      ...(this.twice ? { twice: this.twice.encode() } : {}),
    };
  }
}

export class IntegrityTracker {
  private readonly shards = new Map<string, ShardSeen>();
  private last: ShardSeen | undefined;

  /**
   * Record one received sqs-blast message; true when it is the first copy seen here (of this
   * subscription, with drain --fan-out: each subscription queue gets every message once).
   */
  observe(head: MessageHead, subscription?: string): boolean {
    // Nearly every message belongs to the shard of the one before it: skip building the key.
    let s = this.last;
    if (!s || s.shard !== head.shard || s.runId !== head.runId || s.subscription !== subscription) {
      const key = entryKey(head.runId, head.shard, subscription);
      s = this.shards.get(key);
      if (!s) this.shards.set(key, (s = new ShardSeen(head.runId, head.shard, head.shards, head.of, head.total, subscription)));
      this.last = s;
    }
    return s.mark(head.seq);
  }

  toJSON(): IntegrityJson[] {
    return [...this.shards.values()].map((s) => s.toJSON());
  }
}

interface Merging {
  entry: IntegrityJson;
  seen: Uint8Array;
  twice?: Uint8Array;
  acked?: Uint8Array;
  settled?: Uint8Array;
}

const orMaybe = (a: Uint8Array | undefined, b: Uint8Array | undefined) => (a && b ? orBits(a, b) : (a ?? b));
const decodeMaybe = (bits: string | undefined) => (bits === undefined ? undefined : decodeBits(bits));

/**
 * Union of bitmaps from many threads, pods and pod attempts; a seq seen on both sides is a
 * duplicate. Producers' acknowledged and settled seqs add up the same way, so a shard sent by
 * two attempts (a retried pod that resumed) is one shard.
 */
export function mergeIntegrity(parts: IntegrityJson[]): IntegrityJson[] {
  const byKey = new Map<string, Merging>();
  for (const p of parts) {
    const key = entryKey(p.runId, p.shard, p.subscription);
    const seen = decodeBits(p.seen);
    const have = byKey.get(key);
    if (!have) {
      byKey.set(key, { entry: { ...p }, seen, twice: decodeMaybe(p.twice), acked: decodeMaybe(p.acked), settled: decodeMaybe(p.settled) });
      continue;
    }
    const both = andBits(have.seen, seen);
    const overlapping = overlap(have.seen, seen);
    const e = have.entry;
    e.duplicates += p.duplicates + overlapping;
    e.distinct += p.distinct - overlapping;
    e.maxSeq = Math.max(e.maxSeq, p.maxSeq);
    e.of = Math.max(e.of, p.of);
    e.total = Math.max(e.total, p.total);
    e.shards = Math.max(e.shards, p.shards);
    // Two producers of one shard are a restarted pod: without the ledger its seqs start again at
    // 0, so they overlap (with it, the bitmaps below say exactly what each attempt sent).
    if (p.sent !== undefined) e.sent = Math.max(e.sent ?? 0, p.sent);
    if (p.attempted !== undefined) e.attempted = Math.max(e.attempted ?? 0, p.attempted);
    if (p.failed !== undefined) e.failed = (e.failed ?? 0) + p.failed;
    if (p.resentFrom !== undefined) e.resentFrom = Math.min(e.resentFrom ?? Infinity, p.resentFrom);
    // The lowest first seq of the producers merged so far (a consumer's entry has none).
    if (p.settled !== undefined) {
      const from = Math.min(have.settled === undefined ? Infinity : (e.from ?? 0), p.from ?? 0);
      if (from > 0) e.from = from;
      else delete e.from;
    }
    if (p.open) e.open = true;
    have.seen = orBits(have.seen, seen);
    have.twice = orMaybe(orMaybe(have.twice, decodeMaybe(p.twice)), overlapping ? both : undefined);
    have.acked = orMaybe(have.acked, decodeMaybe(p.acked));
    have.settled = orMaybe(have.settled, decodeMaybe(p.settled));
  }
  return [...byKey.values()]
    .map(({ entry, seen, twice, acked, settled }) => {
      const out: IntegrityJson = { ...entry, seen: encodeBits(seen) };
      if (twice) out.twice = encodeBits(twice);
      else delete out.twice;
      if (acked) out.acked = encodeBits(acked);
      if (settled) out.settled = encodeBits(settled);
      return out;
    })
    .sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.shard - b.shard || bySubscription(a, b)));
}

function bySubscription(a: IntegrityJson, b: IntegrityJson): number {
  const x = a.subscription ?? '';
  const y = b.subscription ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A producer's own entry: nothing seen, but the shard exists. Without it a merge in which no
 * consumer saw a single message of a shard (or of the whole run) would not know the shard was
 * ever sent, and would call nothing missing. `sets`: the seqs SQS acknowledged and those whose
 * send ended, encoded (seq-bits.ts).
 */
export function producedShard(
  identity: PayloadIdentity,
  counts: { sent: number; attempted: number; failed: number },
  sets?: { acked: string; settled: string; from: number; resentFrom?: number },
): IntegrityJson {
  const { runId, shard, shards, of, total } = identity;
  const { sent, attempted, failed } = counts;
  const entry: IntegrityJson = { runId, shard, shards, of, total, distinct: 0, duplicates: 0, maxSeq: -1, sent, attempted, failed, seen: '' };
  if (sets) {
    entry.acked = sets.acked;
    entry.settled = sets.settled;
    if (sets.from) entry.from = sets.from;
    if (sets.resentFrom !== undefined) entry.resentFrom = sets.resentFrom;
  }
  return entry;
}

/** Seen seqs below `limit`: a message above what its producer attempted cannot stand in for a loss. */
function seenBelow(seen: string, limit: number): number {
  return countRange(decodeBits(seen), 0, limit);
}

/**
 * Messages producers planned but never attempted (of - attempted per shard): an interrupted or
 * time-bounded producer's unsent rest. Null when no producer in the set says what it attempted.
 */
export function notSent(entries: IntegrityJson[]): number | null {
  let n: number | null = null;
  for (const e of entries) {
    // A killed producer's unknown seqs are unaccounted (verdict), not "not sent".
    if (e.settled !== undefined && e.of >= 0) n = (n ?? 0) + (e.open ? 0 : unknownOutcome(e));
    else if (e.attempted !== undefined && e.of >= 0) n = (n ?? 0) + Math.max(0, e.of - e.attempted);
  }
  return n;
}

/** Seqs of the shard (from the first its producers sent) that no producer attempt settled and no consumer saw. */
function unknownOutcome(e: IntegrityJson): number {
  const known = orBits(decodeBits(e.settled), decodeBits(e.seen));
  const from = e.from ?? 0;
  return Math.max(0, e.of - from - countRange(known, from, e.of));
}

export interface IntegrityVerdict {
  distinct: number;
  duplicates: number;
  /**
   * Messages proven lost: SQS acknowledged them and no consumer saw them (where producers kept
   * their acknowledged seqs; with older results, every attempted seq no consumer saw). Refused
   * sends are `failed`, never missing.
   */
  missing: number;
  /**
   * True when every shard's attempted count (its producer's result) or size was known, so
   * `missing` is exact, not a lower bound.
   */
  exact: boolean;
  runs: string[];
  /**
   * Acknowledged, unseen messages of runs where a consumer attempt left no final result: it may
   * have received and deleted them after its last checkpoint, so they cannot be called lost.
   */
  unaccountedByDrains: number;
  /**
   * Seqs of shards whose producer attempt left no final result and that no attempt settled and
   * no consumer saw: they may or may not have been sent.
   */
  unaccountedBySends: number;
  /** Copies seen twice from the seq a retried send resumed at (the killed attempt may have sent them too). */
  resent: number;
  /** Seen, though every attempt that sent it counted it failed (a timed-out call SQS had stored). */
  seenFailed: number;
  /** Where producers kept their seqs: exactly what SQS acknowledged (a resent copy counts once), and what ended failed. */
  sentExact: number | null;
  failedExact: number | null;
  /** drain --fan-out: each subscription's own figures (the totals above are their sums), by queue name. */
  subscriptions?: SubscriptionVerdict[];
}

/** One subscription queue of a fan-out: its copy of every run, proven on its own. */
export interface SubscriptionVerdict {
  subscription: string;
  distinct: number;
  duplicates: number;
  missing: number;
}

export interface VerdictContext {
  /** Runs with a consumer attempt that left no final result (ledger/merge.ts). */
  openDrainRuns?: ReadonlySet<string>;
}

export function verdict(entries: IntegrityJson[], context: VerdictContext = {}): IntegrityVerdict {
  return entries.some((e) => e.subscription !== undefined) ? fanOutVerdict(entries, context) : copyVerdict(entries, context);
}

/**
 * drain --fan-out: every subscription queue is a whole copy of the run. Each is judged alone,
 * against the producers' entries (their acknowledged seqs, attempted counts, sizes), which carry
 * no subscription: so `missing` is the sum over subscriptions, and a copy of a message on two
 * subscriptions is not a duplicate. Figures of messages (sent, failed, seen though failed, what a
 * killed producer may have sent) are each subscription's alike and taken once; figures of
 * deliveries (distinct, duplicates, missing, resent) add up. Consumer entries without a
 * subscription in a fan-out run (a plain drain's result merged in) are not one of its copies:
 * their producers' fields count, their arrivals do not.
 */
function fanOutVerdict(entries: IntegrityJson[], context: VerdictContext): IntegrityVerdict {
  const runs = new Map<string, IntegrityJson[]>();
  for (const e of entries) runs.set(e.runId, [...(runs.get(e.runId) ?? []), e]);
  const parts: IntegrityVerdict[] = [];
  const bySub = new Map<string, SubscriptionVerdict>();
  for (const list of runs.values()) {
    const subs = [...new Set(list.map((e) => e.subscription).filter((s): s is string => s !== undefined))].sort();
    if (!subs.length) {
      parts.push(copyVerdict(list, context));
      continue;
    }
    const base = new Map(list.filter((e) => e.subscription === undefined).map((e) => [e.shard, e]));
    for (const sub of subs) {
      const own = new Map(list.filter((e) => e.subscription === sub).map((e) => [e.shard, e]));
      const shards = new Set([...base.keys(), ...own.keys()]);
      const copy = [...shards].map((shard) => asCopy(base.get(shard), own.get(shard)));
      const v = copyVerdict(copy, context);
      parts.push(v);
      const s = bySub.get(sub) ?? { subscription: sub, distinct: 0, duplicates: 0, missing: 0 };
      s.distinct += v.distinct;
      s.duplicates += v.duplicates;
      s.missing += v.missing;
      bySub.set(sub, s);
    }
  }
  const sum = (k: 'distinct' | 'duplicates' | 'missing' | 'unaccountedByDrains' | 'resent') => parts.reduce((n, p) => n + p[k], 0);
  const most = (k: 'unaccountedBySends' | 'seenFailed') => Math.max(0, ...parts.map((p) => p[k]));
  const mostOrNull = (k: 'sentExact' | 'failedExact') => parts.reduce<number | null>((n, p) => (p[k] === null ? n : Math.max(n ?? 0, p[k])), null);
  return {
    distinct: sum('distinct'),
    duplicates: sum('duplicates'),
    missing: sum('missing'),
    exact: parts.every((p) => p.exact),
    runs: [...runs.keys()],
    unaccountedByDrains: sum('unaccountedByDrains'),
    unaccountedBySends: most('unaccountedBySends'),
    resent: sum('resent'),
    seenFailed: most('seenFailed'),
    sentExact: mostOrNull('sentExact'),
    failedExact: mostOrNull('failedExact'),
    subscriptions: [...bySub.values()].sort((a, b) => (a.subscription < b.subscription ? -1 : 1)),
  };
}

/** One shard of one subscription's copy: the producers' fields, that subscription's arrivals. */
function asCopy(producer: IntegrityJson | undefined, arrived: IntegrityJson | undefined): IntegrityJson {
  if (!producer) return arrived!;
  const { subscription: _s, twice: _t, ...fields } = producer;
  if (!arrived) return { ...fields, seen: '', distinct: 0, duplicates: 0, maxSeq: -1 };
  return {
    ...fields,
    of: Math.max(producer.of, arrived.of),
    total: Math.max(producer.total, arrived.total),
    shards: Math.max(producer.shards, arrived.shards),
    seen: arrived.seen,
    ...(arrived.twice ? { twice: arrived.twice } : {}),
    distinct: arrived.distinct,
    duplicates: arrived.duplicates,
    maxSeq: arrived.maxSeq,
  };
}

/** The verdict of one copy of the runs: every queue shares it (or one subscription's). */
function copyVerdict(entries: IntegrityJson[], context: VerdictContext): IntegrityVerdict {
  const v: IntegrityVerdict = {
    distinct: 0,
    duplicates: 0,
    missing: 0,
    exact: true,
    runs: [],
    unaccountedByDrains: 0,
    unaccountedBySends: 0,
    resent: 0,
    seenFailed: 0,
    sentExact: null,
    failedExact: null,
  };
  const runs = new Map<string, IntegrityJson[]>();
  for (const e of entries) {
    v.distinct += e.distinct;
    v.duplicates += e.duplicates;
    const list = runs.get(e.runId) ?? [];
    list.push(e);
    runs.set(e.runId, list);
  }
  for (const [runId, list] of runs) {
    const drainsOpen = context.openDrainRuns?.has(runId) ?? false;
    const shards = Math.max(...list.map((e) => e.shards));
    const total = Math.max(...list.map((e) => e.total));
    const seen = new Map(list.map((e) => [e.shard, e]));
    for (let s = 0; s < shards; s++) {
      const e = seen.get(s);
      const of = e && e.of >= 0 ? e.of : total >= 0 ? shardSize(total, shards, s) : -1;
      if (e?.acked !== undefined) {
        const lost = shardSets(e, v);
        if (drainsOpen) v.unaccountedByDrains += lost;
        else v.missing += lost;
      } else if (e?.attempted !== undefined) v.missing += e.attempted - seenBelow(e.seen, e.attempted);
      else if (of >= 0) v.missing += Math.max(0, of - (e?.distinct ?? 0));
      else {
        // Duration-bounded producer: seqs are dense, so gaps below the highest seen are missing.
        v.exact = false;
        if (e) v.missing += Math.max(e.maxSeq + 1, e.sent ?? 0) - e.distinct;
      }
    }
  }
  v.runs = [...runs.keys()];
  return v;
}

/** One shard whose producers kept their seqs: adds its figures to v; answers the acknowledged seqs no consumer saw. */
function shardSets(e: IntegrityJson, v: IntegrityVerdict): number {
  const acked = decodeBits(e.acked);
  const settled = decodeBits(e.settled);
  const seen = decodeBits(e.seen);
  const failed = minusBits(settled, acked);
  v.seenFailed += overlap(seen, failed);
  v.failedExact = (v.failedExact ?? 0) + countRange(failed);
  // Seen though no attempt settled it: sent by an attempt killed before it could say so.
  v.sentExact = (v.sentExact ?? 0) + countRange(acked) + countRange(minusBits(seen, settled));
  if (e.open && e.of >= 0) v.unaccountedBySends += unknownOutcome(e);
  if (e.resentFrom !== undefined && e.twice) {
    const resent = countRange(decodeBits(e.twice), e.resentFrom);
    v.resent += resent;
    v.duplicates -= resent;
  }
  return countRange(minusBits(acked, seen));
}
