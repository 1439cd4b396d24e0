/**
 * A set of seqs as a bitmap: one bit per seq of a shard, so a million messages cost 125 KB, not
 * a map of ids. It grows with the highest seq marked (a duration-bounded producer's shard has no
 * size). Encoded as raw deflate in base64 (bit i of byte j is seq j*8+i), the form every result
 * document carries, so sets from threads, processes and pod attempts merge by OR.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export const POPCOUNT8 = new Uint8Array(256).map((_, i) => {
  let n = 0;
  for (let v = i; v; v >>= 1) n += v & 1;
  return n;
});

export class SeqBits {
  bits: Uint8Array;
  /** Seqs in the set. */
  size = 0;
  maxSeq = -1;

  constructor(expected = 0) {
    this.bits = new Uint8Array(expected > 0 ? Math.ceil(expected / 8) : 1024);
  }

  /** Adds seq; true when it was not in the set. */
  mark(seq: number): boolean {
    const byte = seq >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (seq & 7);
    if (this.bits[byte] & mask) return false;
    this.bits[byte] |= mask;
    this.size++;
    if (seq > this.maxSeq) this.maxSeq = seq;
    return true;
  }

  encode(): string {
    return encodeBits(this.bits.subarray(0, this.maxSeq < 0 ? 0 : (this.maxSeq >>> 3) + 1));
  }
}

export function encodeBits(bits: Uint8Array): string {
  let used = bits.length;
  while (used > 0 && bits[used - 1] === 0) used--;
  return deflateRawSync(bits.subarray(0, used)).toString('base64');
}

export function decodeBits(encoded: string | undefined): Uint8Array {
  return encoded ? new Uint8Array(inflateRawSync(Buffer.from(encoded, 'base64'))) : new Uint8Array(0);
}

/** a | b, as long as the longer. */
export function orBits(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(a.length, b.length));
  out.set(a);
  for (let i = 0; i < b.length; i++) out[i] |= b[i];
  return out;
}

/** Seqs in a & b. */
export function overlap(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = Math.min(a.length, b.length) - 1; i >= 0; i--) n += POPCOUNT8[a[i] & b[i]];
  return n;
}

/** Seqs in a & b (as a set). */
export function andBits(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.min(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = a[i] & b[i];
  return out;
}

/** Seqs in a and not in b. */
export function minusBits(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = a.slice();
  for (let i = Math.min(a.length, b.length) - 1; i >= 0; i--) out[i] &= ~b[i];
  return out;
}

/** Seqs of the set in [from, to): `to` Infinity for all above `from`. */
export function countRange(bits: Uint8Array, from = 0, to = Infinity): number {
  let n = 0;
  const end = Math.min(to, bits.length * 8);
  for (let seq = Math.max(0, from); seq < end; ) {
    if ((seq & 7) === 0 && seq + 8 <= end) {
      n += POPCOUNT8[bits[seq >>> 3]];
      seq += 8;
    } else {
      if (bits[seq >>> 3] & (1 << (seq & 7))) n++;
      seq++;
    }
  }
  return n;
}

/** The lowest seq not in the set. */
export function firstAbsent(bits: Uint8Array): number {
  for (let i = 0; i < bits.length; i++) {
    if (bits[i] !== 0xff) {
      for (let b = 0; b < 8; b++) if (!(bits[i] & (1 << b))) return i * 8 + b;
    }
  }
  return bits.length * 8;
}
