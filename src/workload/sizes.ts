/**
 * --message-size as a distribution: one size (`10KiB`), a uniform range (`1KiB-64KiB`) or weighted
 * sizes (`1KiB:70,16KiB:25,256KiB:5`). A message's size is a pure function of its (shard, seq):
 * a retried batch rebuilds the same bodies, --verify-md5 rebuilds them too, and no table of sizes
 * is kept as --total grows.
 */
import { UsageError } from '../errors.js';

export type SizeSpec =
  | { kind: 'fixed'; bytes: number }
  | { kind: 'range'; low: number; high: number }
  | { kind: 'weighted'; sizes: number[]; weights: number[] };

const UNITS: Record<string, number> = { '': 1, b: 1, kib: 1024, mib: 1024 * 1024 };

/** `4096`, `4KiB`, `1.5MiB` → bytes; undefined if it is not a size. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB)?\s*$/i.exec(text);
  if (!m) return undefined;
  const bytes = Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()];
  return Number.isInteger(bytes) ? bytes : Math.round(bytes);
}

/** The flag's text (or a number from the config file/env) → a checked spec; every size within [min, max]. */
export function parseSizeSpec(raw: unknown, flag: string, min: number, max: number): SizeSpec {
  const text = String(raw).trim();
  const bad = (why: string) =>
    new UsageError(`${flag} ${JSON.stringify(text)} ${why}; give bytes or KiB/MiB: 10240, 16KiB, a range 1KiB-64KiB, or weights 1KiB:70,16KiB:25,256KiB:5`);
  const size = (part: string): number => {
    const b = parseBytes(part);
    if (b === undefined) throw bad(`has ${JSON.stringify(part)}, which is not a size`);
    if (b < min) throw bad(`has ${part} below the ${min}-byte minimum (an sqs-blast body's head needs room)`);
    if (b > max) throw bad(`has ${part} over ${max} bytes (SQS takes at most 1 MiB (1048576 bytes) per message, attributes included)`);
    return b;
  };
  if (text.includes(':') || text.includes(',')) {
    const sizes: number[] = [];
    const weights: number[] = [];
    for (const item of text.split(',')) {
      const [s, w, extra] = item.split(':');
      const weight = Number(w);
      if (w === undefined || extra !== undefined || !Number.isFinite(weight) || weight <= 0) throw bad(`has ${JSON.stringify(item)}: each item is SIZE:WEIGHT with a weight > 0`);
      sizes.push(size(s));
      weights.push(weight);
    }
    return { kind: 'weighted', sizes, weights };
  }
  const dash = text.indexOf('-');
  if (dash > 0) {
    const low = size(text.slice(0, dash));
    const high = size(text.slice(dash + 1));
    if (low > high) throw bad(`is a range whose low end is above its high end (write LOW-HIGH, e.g. 1KiB-64KiB)`);
    return low === high ? { kind: 'fixed', bytes: low } : { kind: 'range', low, high };
  }
  return { kind: 'fixed', bytes: size(text) };
}

export function largestSize(spec: SizeSpec): number {
  return spec.kind === 'fixed' ? spec.bytes : spec.kind === 'range' ? spec.high : Math.max(...spec.sizes);
}

export function smallestSize(spec: SizeSpec): number {
  return spec.kind === 'fixed' ? spec.bytes : spec.kind === 'range' ? spec.low : Math.min(...spec.sizes);
}

/** A 32-bit mix of (shard, seq) (the murmur3 finaliser): uniform enough, and no state to keep. */
function mix(shard: number, seq: number): number {
  let h = (Math.imul(seq >>> 0, 0x9e3779b1) ^ Math.imul(Math.floor(seq / 4294967296) + shard * 0x85ebca6b, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** The body size of each message of one shard. */
export class SizePicker {
  private readonly cumulative: number[] = [];

  constructor(
    readonly spec: SizeSpec,
    private readonly shard: number,
  ) {
    if (spec.kind === 'weighted') {
      const sum = spec.weights.reduce((a, b) => a + b, 0);
      let acc = 0;
      for (const w of spec.weights) this.cumulative.push((acc += w) / sum);
    }
  }

  sizeOf(seq: number): number {
    const s = this.spec;
    if (s.kind === 'fixed') return s.bytes;
    const u = mix(this.shard, seq);
    if (s.kind === 'range') return s.low + Math.floor(u * (s.high - s.low + 1));
    let i = 0;
    while (i < this.cumulative.length - 1 && u >= this.cumulative[i]) i++;
    return s.sizes[i];
  }
}

/**
 * The result's `sizes`: messages sent per power-of-two bucket, keyed by the bucket's upper bound
 * ("1KiB" holds sizes up to 1 KiB, "2KiB" those above 1 KiB up to 2 KiB, …): fixed buckets, so
 * results of many pods add up exactly.
 */
export const SIZE_BUCKETS = Array.from({ length: 11 }, (_, i) => 1024 << i);
export const sizeBucketName = (i: number): string => (i >= 10 ? `${1 << (i - 10)}MiB` : `${1 << i}KiB`);

export function sizeBucket(bytes: number): number {
  let i = 0;
  while (i < SIZE_BUCKETS.length - 1 && bytes > SIZE_BUCKETS[i]) i++;
  return i;
}

export function sizeCounts(perBucket: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < perBucket.length; i++) if (perBucket[i] > 0) out[sizeBucketName(i)] = perBucket[i];
  return out;
}
