import { describe, expect, it } from 'vitest';
import { PayloadFactory } from '../src/payload.js';
import { readReceiveReplySlowly, skimReceiveReply } from '../src/sqs/receive-reply.js';
import { entryExtras } from '../src/workload/extras.js';
import { fillByBytes } from '../src/workload/fill.js';
import { InFlightGate } from '../src/workload/in-flight.js';
import { drawProcessTime, parseProcessTime } from '../src/workload/process-time.js';
import { parseBytes, parseSizeSpec, sizeBucket, sizeCounts, SizePicker } from '../src/workload/sizes.js';

const spec = (text: string) => parseSizeSpec(text, '--message-size', 256, 1_048_576);

describe('--message-size distributions', () => {
  it('reads bytes, KiB and MiB, ranges and weights', () => {
    expect(parseBytes('4096')).toBe(4096);
    expect(parseBytes('16KiB')).toBe(16384);
    expect(parseBytes('1MiB')).toBe(1_048_576);
    expect(parseBytes('10KB')).toBeUndefined();
    expect(spec('1KiB-64KiB')).toEqual({ kind: 'range', low: 1024, high: 65536 });
    expect(spec('1KiB:70,16KiB:25,256KiB:5')).toEqual({ kind: 'weighted', sizes: [1024, 16384, 262144], weights: [70, 25, 5] });
    expect(spec('2KiB')).toEqual({ kind: 'fixed', bytes: 2048 });
    expect(() => spec('64KiB-1KiB')).toThrow(/low end/);
    expect(() => spec('100')).toThrow(/below the 256-byte minimum/);
  });

  it('spreads a range uniformly, and gives a seq the same size every time', () => {
    const picker = new SizePicker(spec('1KiB-64KiB'), 3);
    const sizes = Array.from({ length: 20_000 }, (_, seq) => picker.sizeOf(seq));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(65536);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(Math.abs(mean - (1024 + 65536) / 2)).toBeLessThan(1000);
    // Each quarter of the range holds about a quarter of the messages.
    const quarter = (65536 - 1024) / 4;
    for (let q = 0; q < 4; q++) {
      const n = sizes.filter((s) => s >= 1024 + q * quarter && s < 1024 + (q + 1) * quarter).length;
      expect(n / sizes.length).toBeGreaterThan(0.22);
      expect(n / sizes.length).toBeLessThan(0.28);
    }
    expect(new SizePicker(spec('1KiB-64KiB'), 3).sizeOf(12345)).toBe(sizes[12345]);
    expect(new SizePicker(spec('1KiB-64KiB'), 4).sizeOf(12345)).not.toBe(sizes[12345]);
  });

  it('follows the weights', () => {
    const picker = new SizePicker(spec('1KiB:70,16KiB:25,256KiB:5'), 0);
    const counts = sizeCounts(Array.from({ length: 20_000 }, (_, seq) => picker.sizeOf(seq)).reduce((b, s) => (b[sizeBucket(s)]++, b), new Array(11).fill(0)));
    expect(Object.keys(counts)).toEqual(['1KiB', '16KiB', '256KiB']);
    expect(counts['1KiB'] / 20_000).toBeCloseTo(0.7, 1);
    expect(counts['16KiB'] / 20_000).toBeCloseTo(0.25, 1);
    expect(counts['256KiB'] / 20_000).toBeCloseTo(0.05, 1);
  });

  it('bodies of a mixed run are exactly their size and valid JSON', () => {
    const f = new PayloadFactory({ runId: 'mix', shard: 0, shards: 1, of: 10, total: 10 }, 65536);
    for (const size of [300, 1024, 40_000, 65536]) {
      const body = f.body(7, 1_764_100_000_000, undefined, size);
      expect(Buffer.byteLength(body)).toBe(size);
      expect(JSON.parse(body).seq).toBe(7);
      const buf = Buffer.alloc(70_000);
      const end = f.writeJsonString(buf, 0, 7, 1_764_100_000_000, undefined, size);
      expect(JSON.parse(buf.toString('latin1', 0, end))).toBe(body);
    }
  });

  it('fills requests by bytes: none over the limit, none split needlessly, every entry once', () => {
    const sizes = [600_000, 500_000, 300_000, 200_000, 1_000_000, 10, 20];
    const requests = fillByBytes(sizes.length, (i) => sizes[i], 1_048_576);
    expect(requests.flat()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const r of requests) expect(r.reduce((n, i) => n + sizes[i], 0)).toBeLessThanOrEqual(1_048_576);
    expect(requests).toEqual([[0], [1, 2, 3], [4, 5, 6]]);
  });
});

describe('attributes and delay', () => {
  it('counts attribute bytes as SQS does (name + type + value) and writes valid JSON', () => {
    const e = entryExtras(3, 30);
    const entry = JSON.parse(`{"Id":"0"${e.json}}`);
    expect(entry.DelaySeconds).toBe(30);
    const attrs = Object.entries(entry.MessageAttributes) as Array<[string, { DataType: string; StringValue: string }]>;
    expect(attrs.map(([, a]) => a.DataType)).toEqual(['String', 'Number', 'String']);
    expect(e.attributeBytes).toBe(attrs.reduce((n, [k, a]) => n + k.length + a.DataType.length + a.StringValue.length, 0));
    expect(entryExtras(0, 0)).toMatchObject({ json: '', attributeBytes: 0 });
  });
});

describe('--process-time', () => {
  it('reads fixed, exponential and uniform times, and draws them', () => {
    expect(parseProcessTime('50ms')).toEqual({ kind: 'fixed', ms: 50 });
    expect(parseProcessTime('1.5s')).toEqual({ kind: 'fixed', ms: 1500 });
    expect(parseProcessTime('exp:20ms')).toEqual({ kind: 'exp', meanMs: 20 });
    expect(parseProcessTime('uniform:5ms-80ms')).toEqual({ kind: 'uniform', lowMs: 5, highMs: 80 });
    expect(() => parseProcessTime('normal:5ms')).toThrow(/unknown distribution/);
    const exp = Array.from({ length: 50_000 }, () => drawProcessTime({ kind: 'exp', meanMs: 20 }));
    expect(exp.reduce((a, b) => a + b, 0) / exp.length).toBeGreaterThan(19);
    expect(exp.reduce((a, b) => a + b, 0) / exp.length).toBeLessThan(21);
    const uni = Array.from({ length: 10_000 }, () => drawProcessTime({ kind: 'uniform', lowMs: 5, highMs: 80 }));
    expect(Math.min(...uni)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...uni)).toBeLessThanOrEqual(80);
  });
});

describe('--max-in-flight', () => {
  it('lets a poll start only while the cap holds it, in turn', async () => {
    const gate = new InFlightGate(20);
    await gate.acquire(10);
    await gate.acquire(10);
    let third = false;
    const waiting = gate.acquire(10).then(() => (third = true));
    await Promise.resolve();
    expect(third).toBe(false);
    gate.release(4);
    await Promise.resolve();
    expect(third).toBe(false);
    gate.release(6);
    await waiting;
    expect(third).toBe(true);
    expect(gate.inFlight).toBe(20);
  });
});

describe('ApproximateReceiveCount on the bytes', () => {
  it('agrees with JSON.parse, first deliveries and redeliveries alike', () => {
    const f = new PayloadFactory({ runId: 'rc', shard: 0, shards: 1, of: 3, total: 3 }, 500);
    const reply = Buffer.from(
      JSON.stringify({
        Messages: [
          { ReceiptHandle: 'a', Body: f.body(0, 1), Attributes: { SentTimestamp: '1', ApproximateReceiveCount: '1' } },
          { ReceiptHandle: 'b', Body: f.body(1, 1), Attributes: { ApproximateReceiveCount: '17', SentTimestamp: '2' } },
          { ReceiptHandle: 'c', Body: f.body(2, 1), Attributes: { SentTimestamp: '3' } },
        ],
      }),
    );
    const fast = skimReceiveReply(reply);
    expect(fast).toEqual(readReceiveReplySlowly(reply));
    expect(fast.map((m) => m.receiveCount)).toEqual([1, 17, 0]);
  });
});

describe('--body-template', () => {
  it('fills placeholders, rebuilds the same body for the same seq, and its head attribute is read on the bytes as by JSON.parse', async () => {
    const { BodyTemplate, HEAD_ATTRIBUTE } = await import('../src/workload/template.js');
    const f = new PayloadFactory({ runId: 'tpl', shard: 2, shards: 3, of: 100, total: 300 }, 1024);
    const t = new BodyTemplate('{"n":{{seq}},"id":"{{uuid}}","at":"{{now}}"}', f);
    const body = JSON.parse(t.render(41, 1_764_100_000_000));
    expect(body).toMatchObject({ n: 41, at: new Date(1_764_100_000_000).toISOString() });
    expect(t.render(41, 1_764_100_000_000)).toBe(t.render(41, 1_764_100_000_000));
    expect(JSON.parse(t.render(42, 1)).id).not.toBe(body.id);
    const reply = Buffer.from(
      JSON.stringify({
        Messages: [
          {
            ReceiptHandle: 'h',
            Body: t.render(41, 5),
            Attributes: { SentTimestamp: '5', ApproximateReceiveCount: '2' },
            MessageAttributes: { other: { DataType: 'String', StringValue: 'x' }, [HEAD_ATTRIBUTE]: { DataType: 'String', StringValue: t.head(41, 5) } },
          },
        ],
      }),
    );
    const fast = skimReceiveReply(reply);
    expect(fast).toEqual(readReceiveReplySlowly(reply));
    expect(fast[0].head).toMatchObject({ runId: 'tpl', shard: 2, shards: 3, seq: 41, of: 100, total: 300, sentAt: 5 });
    expect(fast[0].receiveCount).toBe(2);
  });
});

describe('sizes in results', () => {
  it('add up bucket by bucket across threads and pods, and older results without them count as nothing', async () => {
    const { addTallies, emptyTally } = await import('../src/metrics/tally.js');
    const into = emptyTally();
    addTallies(into, [{ sizes: { '1KiB': 7, '16KiB': 2 } }, { sizes: { '16KiB': 3, '256KiB': 1 } }, {}]);
    expect(into.sizes).toEqual({ '1KiB': 7, '16KiB': 5, '256KiB': 1 });
  });
});
