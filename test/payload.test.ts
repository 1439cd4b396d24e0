import { describe, expect, it } from 'vitest';
import { EscapedHeadReader, ESCAPED_PADDING_KEY, PayloadFactory, parseHead } from '../src/payload.js';

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
    expect(parseHead(f.body(5, 99))).toEqual({ runId: 'abc123', shard: 3, shards: 20, seq: 5, of: 50_000, total: 1_000_000, sentAt: 99 });
    expect(parseHead('hello')).toBeUndefined();
    expect(parseHead('{"id":"x"}')).toBeUndefined();
    expect(parseHead('{"id":"x","runId":"r","shard":0,"seq":-1,"sentAt":1}')).toBeUndefined();
    expect(parseHead('{"id":"x","runId":"r","shard":0,"seq":4,"sentAt":1}')).toMatchObject({ seq: 4, of: -1, shards: 1 });
  });

  it('reads heads from escaped reply bytes exactly as parseHead does, or declines', () => {
    const reader = new EscapedHeadReader();
    /** The escaped head as it sits in a reply, and where its padding key starts. */
    const inReply = (body: string): { b: Buffer; end: number } => {
      const literal = Buffer.from(JSON.stringify(body));
      return { b: literal, end: literal.indexOf(ESCAPED_PADDING_KEY) };
    };
    const cases: Array<[typeof identity, number, number, number | undefined]> = [
      [identity, 0, 1_764_100_000_123, undefined],
      [identity, 49_999, 0, 7],
      [{ runId: 'Run_x-9', shard: 0, shards: 1, of: -1, total: -1 }, 123_456_789, 1_764_100_000_999, 0],
      [{ runId: 'a', shard: 19, shards: 20, of: 50_000, total: 1_000_000 }, 5, 42, 1234],
    ];
    for (const [id, seq, sentAt, group] of cases) {
      const body = new PayloadFactory(id, 1000).body(seq, sentAt, group);
      const { b, end } = inReply(body);
      expect(reader.read(b, 1, end)).toEqual(parseHead(body));
      // The head's unescaped length: the body up to its padding key.
      expect(reader.headBytes).toBe(body.indexOf(',"padding":"'));
    }
    // Any single changed byte: the reader either declines or agrees with parseHead; never differs.
    const body = new PayloadFactory(identity, 1000).body(41_236, 1_764_100_000_123, 3);
    const { b, end } = inReply(body);
    let declined = 0;
    for (let i = 1; i < end; i++) {
      for (const c of ['0', '9', '-', 'x', '\\', '"', ' ', ',']) {
        const m = Buffer.from(b);
        m.write(c, i, 'latin1');
        const got = reader.read(m, 1, end);
        if (got === null) {
          declined++;
          continue;
        }
        let text: string;
        try {
          text = JSON.parse(m.toString('latin1')) as string;
        } catch {
          throw new Error(`read a head from invalid JSON: ${m.toString('latin1', 0, end)}`);
        }
        expect(got, m.toString('latin1', 0, end)).toEqual(parseHead(text));
      }
    }
    expect(declined).toBeGreaterThan(100);
    // Not our exact layout: declined, so the caller falls back to parseHead.
    expect(reader.read(Buffer.from(JSON.stringify('{"id":"x", "runId":"r","shard":0,"padding":"')), 1, 30)).toBeNull();
  });
});
