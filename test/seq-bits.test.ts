/** Seq sets as bitmaps (metrics/seq-bits.ts): every result's integrity rests on these few functions. */
import { describe, expect, it } from 'vitest';
import { andBits, countRange, decodeBits, encodeBits, firstAbsent, minusBits, orBits, overlap, POPCOUNT8, SeqBits } from '../src/metrics/seq-bits.js';

/** The bitmap of a list of seqs, built by hand (bit i of byte j is seq j*8+i). */
function bits(seqs: number[], bytes = 0): Uint8Array {
  const out = new Uint8Array(Math.max(bytes, ...seqs.map((s) => (s >> 3) + 1)));
  for (const s of seqs) out[s >> 3] |= 1 << (s & 7);
  return out;
}
/** The seqs of a bitmap, read bit by bit. */
function seqsOf(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.length * 8; i++) if (b[i >> 3] & (1 << (i & 7))) out.push(i);
  return out;
}

describe('SeqBits', () => {
  it('marks each seq once, counts them, keeps the highest, and grows without losing any', () => {
    const s = new SeqBits(16);
    expect(s.bits.length).toBe(2);
    expect(s.maxSeq).toBe(-1);
    expect([0, 7, 8, 15].map((n) => s.mark(n))).toEqual([true, true, true, true]);
    expect(s.mark(7)).toBe(false);
    expect(s.size).toBe(4);
    expect(s.maxSeq).toBe(15);
    expect(s.mark(5)).toBe(true);
    expect(s.maxSeq).toBe(15); // a lower seq does not lower it
    s.mark(16); // the first seq past the initial size
    expect(s.bits.length).toBe(4); // doubled
    s.mark(1000);
    expect(s.bits.length).toBe(126);
    expect(seqsOf(s.bits)).toEqual([0, 5, 7, 8, 15, 16, 1000]);
    expect(s.size).toBe(7);
  });

  it('starts at 8 KiB of bits when the size is unknown', () => {
    expect(new SeqBits().bits.length).toBe(1024);
    expect(new SeqBits(0).bits.length).toBe(1024);
    expect(new SeqBits(9).bits.length).toBe(2);
  });

  it('encodes only up to its highest seq, and the empty set as nothing', () => {
    const s = new SeqBits(1_000_000);
    expect(decodeBits(s.encode())).toEqual(new Uint8Array(0));
    s.mark(9);
    expect(decodeBits(s.encode())).toEqual(bits([9]));
    s.mark(0);
    expect(decodeBits(s.encode())).toEqual(bits([0, 9]));
  });
});

describe('bitmap encoding', () => {
  it('drops trailing zero bytes, round-trips, and reads an absent or empty set as empty', () => {
    const b = bits([1, 17], 10);
    expect(decodeBits(encodeBits(b))).toEqual(bits([1, 17]));
    expect(decodeBits(encodeBits(new Uint8Array(5)))).toEqual(new Uint8Array(0));
    expect(decodeBits(undefined)).toEqual(new Uint8Array(0));
    expect(decodeBits('')).toEqual(new Uint8Array(0));
    // The documented form: raw deflate, base64.
    expect(Buffer.from(encodeBits(bits([0, 1, 2]))).toString()).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });
});

describe('set operations', () => {
  const a = bits([0, 3, 8, 9, 20]);
  const b = bits([3, 9, 10, 40]);

  it('or: the union, as long as the longer', () => {
    expect(seqsOf(orBits(a, b))).toEqual([0, 3, 8, 9, 10, 20, 40]);
    expect(seqsOf(orBits(b, a))).toEqual([0, 3, 8, 9, 10, 20, 40]);
    expect(orBits(a, b).length).toBe(6);
  });

  it('and / overlap: the common seqs, and how many', () => {
    expect(seqsOf(andBits(a, b))).toEqual([3, 9]);
    expect(andBits(a, b).length).toBe(3);
    expect(overlap(a, b)).toBe(2);
    expect(overlap(b, a)).toBe(2);
    expect(overlap(a, new Uint8Array(0))).toBe(0);
    expect(overlap(bits([0]), bits([0]))).toBe(1); // byte 0 counts
  });

  it('minus: seqs of a not in b, a left unchanged', () => {
    expect(seqsOf(minusBits(a, b))).toEqual([0, 8, 20]);
    expect(seqsOf(minusBits(b, a))).toEqual([10, 40]);
    expect(seqsOf(minusBits(bits([0, 1]), bits([0])))).toEqual([1]);
    expect(seqsOf(a)).toEqual([0, 3, 8, 9, 20]);
  });

  it('popcount of every byte', () => {
    for (let i = 0; i < 256; i++) expect(POPCOUNT8[i]).toBe(seqsOf(new Uint8Array([i])).length);
  });
});

describe('countRange', () => {
  const all = Array.from({ length: 64 }, (_, i) => i).filter((i) => i % 3 !== 0);
  const b = bits(all);

  it('counts [from, to) exactly, over whole bytes and the bits at either edge', () => {
    for (const [from, to] of [[0, Infinity], [0, 64], [1, 63], [5, 13], [8, 16], [7, 9], [0, 8], [3, 4], [9, 9], [60, 200]]) {
      expect(countRange(b, from, to), `[${from}, ${to})`).toBe(all.filter((s) => s >= from && s < to).length);
    }
  });

  it('reads a negative from as 0 and a to past the end as the end', () => {
    expect(countRange(b, -5, 4)).toBe(2);
    expect(countRange(b, 0, 1e9)).toBe(all.length);
    expect(countRange(new Uint8Array(0))).toBe(0);
  });
});

describe('firstAbsent', () => {
  it('is the lowest seq not in the set', () => {
    expect(firstAbsent(new Uint8Array(0))).toBe(0);
    expect(firstAbsent(bits([1]))).toBe(0);
    expect(firstAbsent(bits([0, 1, 2, 3, 4, 5, 6, 7, 8, 10]))).toBe(9);
    expect(firstAbsent(new Uint8Array([0xff, 0xff]))).toBe(16);
    expect(firstAbsent(new Uint8Array([0xff, 0x7f]))).toBe(15);
  });
});
