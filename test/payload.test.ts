import { describe, expect, it } from 'vitest';
import { PayloadFactory, parseHead } from '../src/payload.js';

const identity = { runId: 'abc123', shard: 3, shards: 20, of: 50_000, total: 1_000_000 };

describe('payload', () => {
  it('builds bodies of exactly --message-size bytes that are valid JSON', () => {
    for (const size of [256, 1000, 10_240, 262_144]) {
      const f = new PayloadFactory(identity, size);
      for (const seq of [0, 9, 41_236, 49_999]) {
        const body = f.body(seq, 1_764_100_000_123);
        expect(Buffer.byteLength(body)).toBe(size);
        const parsed = JSON.parse(body);
        expect(parsed).toMatchObject({ id: `abc123-3-${seq}`, runId: 'abc123', shard: 3, shards: 20, seq, of: 50_000, sentAt: 1_764_100_000_123 });
      }
    }
  });

  it('gives each message its own id', () => {
    const f = new PayloadFactory(identity, 512);
    const ids = new Set(Array.from({ length: 1000 }, (_, i) => JSON.parse(f.body(i, 1)).id));
    expect(ids.size).toBe(1000);
  });

  it('pre-escapes exactly what JSON.stringify would produce', () => {
    const f = new PayloadFactory(identity, 10_240);
    const body = f.body(77, 123);
    expect(f.jsonString(77, 123)).toBe(JSON.stringify(body));
  });

  it('writes the same literal straight into a buffer', () => {
    const f = new PayloadFactory(identity, 10_240);
    const buf = Buffer.alloc(f.maxLiteralBytes + 10, 0x2a);
    const end = f.writeJsonString(buf, 3, 123_456, 1_764_100_000_123);
    expect(buf.subarray(3, end).toString('latin1')).toBe(f.jsonString(123_456, 1_764_100_000_123));
    expect(buf[2]).toBe(0x2a); // nothing written before the offset
  });

  it.each([
    ['a FIFO group', { ...identity }, 10_240, 7],
    ['unknown totals (duration runs)', { ...identity, of: -1, total: -1 }, 1024, undefined],
    ['a long run id and big numbers', { runId: 'job-5f0c8b2e-91aa-4c7e', shard: 19, shards: 20, of: 9_999_999, total: 199_999_980 }, 300, 123_456],
  ])('writes the exact literal and size with %s', (_name, id, size, group) => {
    const f = new PayloadFactory(id, size);
    const buf = Buffer.alloc(f.maxLiteralBytes);
    for (const seq of [0, 9, 10, 99_999, 1_000_000]) {
      const end = f.writeJsonString(buf, 0, seq, 1_764_100_000_123, group);
      const literal = buf.subarray(0, end).toString('latin1');
      expect(literal).toBe(f.jsonString(seq, 1_764_100_000_123, group));
      expect((JSON.parse(literal) as string).length).toBe(size);
    }
  });

  it('reads the head back without parsing the padding, and rejects foreign bodies', () => {
    const f = new PayloadFactory(identity, 4096);
    expect(parseHead(f.body(5, 99))).toEqual({ id: 'abc123-3-5', runId: 'abc123', shard: 3, shards: 20, seq: 5, of: 50_000, total: 1_000_000, sentAt: 99 });
    expect(parseHead('hello')).toBeUndefined();
    expect(parseHead('{"id":"x"}')).toBeUndefined();
    expect(parseHead('{"id":"x","runId":"r","shard":0,"seq":-1,"sentAt":1}')).toBeUndefined();
    expect(parseHead('{"id":"x","runId":"r","shard":0,"seq":4,"sentAt":1}')).toMatchObject({ seq: 4, of: -1, shards: 1 });
  });
});
