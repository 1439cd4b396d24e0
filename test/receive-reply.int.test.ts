/**
 * The drain reads ReceiveMessage replies by skimming their bytes (src/sqs/receive-reply.ts). On
 * real replies from the server it must give exactly what JSON.parse of the whole reply gives.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { PayloadFactory } from '../src/payload.js';
import { readReceiveReply, readReceiveReplySlowly, skimReceiveReply } from '../src/sqs/receive-reply.js';
import { SqsWire } from '../src/sqs/wire.js';
import { createQueues, endpoint, sdk, uniquePrefix } from './helpers.js';

const identity = { runId: 'skim1', shard: 2, shards: 3, of: 100, total: 300 };

describe('ReceiveMessage reply reader', () => {
  it('agrees with JSON.parse on real replies: our bodies, foreign ones, escapes and unicode', async () => {
    const client = sdk();
    const [url] = await createQueues(client, uniquePrefix('skim'), 1);
    const ours = new PayloadFactory(identity, 10_240);
    const small = new PayloadFactory({ ...identity, runId: 'skim2' }, 300);
    const bodies = [
      ours.body(0, 1_764_100_000_000),
      ours.body(99, 1_764_100_000_001, 7),
      small.body(5, 1_764_100_000_002),
      'plain text, not JSON',
      '{"id":"looks-like-ours","padding":"but \\"has\\" escapes"}',
      'quotes " and backslashes \\ and "ReceiptHandle":"fake" inside',
      'unicode: é ü 日本 € and a tab\tand newline\n',
      JSON.stringify({ order: 17, note: 'a foreign JSON producer' }),
      '{"id":"' + 'x'.repeat(2000),
    ];
    const sent = await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: b })) }));
    expect(sent.Failed ?? []).toEqual([]);

    const conn = resolveConfig('drain', { endpoint: endpoint() }, {}).connection;
    const wire = new SqsWire(conn, 1);
    const raws: Buffer[] = [];
    let got = 0;
    while (got < bodies.length) {
      const raw = await wire.call('ReceiveMessage', JSON.stringify({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 600, MessageSystemAttributeNames: ['SentTimestamp'] }), {
        read: (b) => Buffer.from(b),
      });
      raws.push(raw);
      got += readReceiveReplySlowly(raw).length;
    }
    wire.close();

    const all = raws.flatMap((raw) => {
      const fast = skimReceiveReply(raw);
      expect(fast).toEqual(readReceiveReplySlowly(raw));
      expect(readReceiveReply(raw)).toEqual(fast);
      return fast;
    });
    expect(all).toHaveLength(bodies.length);
    const heads = all.filter((m) => m.head).map((m) => `${m.head!.runId}/${m.head!.seq}/${m.head!.group ?? '-'}`);
    expect(heads.sort()).toEqual(['skim1/0/-', 'skim1/99/7', 'skim2/5/-']);
    expect(all.map((m) => m.bodyBytes).sort((a, b) => a - b)).toEqual(bodies.map((b) => Buffer.byteLength(b)).sort((a, b) => a - b));
    for (const m of all) {
      expect(m.receiptHandle.length).toBeGreaterThan(10);
      expect(m.sentTimestamp).toBeGreaterThan(1_700_000_000_000);
    }
  });

  it('handles whitespace, escaped handles and empty replies; falls back on what it cannot skim', () => {
    const f = new PayloadFactory(identity, 1000);
    const reply = {
      Messages: [
        {
          MessageId: 'm1',
          ReceiptHandle: 'a/b+c==',
          MD5OfBody: 'x',
          Body: f.body(3, 42),
          Attributes: { SentTimestamp: '41', ApproximateReceiveCount: '1', SentTimestamq: '7' },
          MessageAttributes: { k: { DataType: 'Number', StringValue: '1' } },
          // Decoys after the real keys, each as long as one the reader looks for.
          Bodz: 'decoy',
          ReceiptHandlx: 'decoy',
          Attributez: { SentTimestamp: '9' },
        },
        { ReceiptHandle: 'h2', Body: 'foreign', Extra: [1, 2.5e3, true, null, { deep: ['x'] }] },
      ],
    };
    const compact = Buffer.from(JSON.stringify(reply));
    const pretty = Buffer.from(JSON.stringify(reply, null, 2));
    const slashed = Buffer.from(JSON.stringify(reply).replace('a/b+c==', 'a\\/b+c=='));
    const expected = readReceiveReplySlowly(compact);
    expect(expected[0]).toMatchObject({ receiptHandle: 'a/b+c==', bodyBytes: 1000, sentTimestamp: 41, head: { runId: 'skim1', seq: 3, sentAt: 42 } });
    expect(expected[1]).toMatchObject({ receiptHandle: 'h2', head: undefined, bodyBytes: 7 });
    expect(Number.isNaN(expected[1].sentTimestamp)).toBe(true);
    for (const raw of [compact, pretty, slashed]) expect(skimReceiveReply(raw)).toEqual(expected);
    expect(skimReceiveReply(Buffer.from('{}'))).toEqual([]);
    expect(skimReceiveReply(Buffer.alloc(0))).toEqual([]);
    expect(skimReceiveReply(Buffer.from('{"Messages":[]}'))).toEqual([]);

    // A shape the skimmer does not know (a handle that is not a string) goes the slow way.
    const odd = Buffer.from(JSON.stringify({ Messages: [{ ReceiptHandle: 5, Body: 'x' }] }));
    expect(() => skimReceiveReply(odd)).toThrow();
    expect(readReceiveReply(odd)[0].receiptHandle).toBe(5);
    // Truncated JSON is an error either way (the wire turns it into an InvalidResponse, not retried: the SDK does not either).
    expect(() => readReceiveReply(compact.subarray(0, compact.length - 5))).toThrow();
  });

  it('reads our bodies from their start only when their whole tail is ours; else agrees with JSON.parse', () => {
    const f = new PayloadFactory(identity, 600);
    const ours = f.body(8, 1_764_100_000_000);
    const head = ours.slice(0, ours.indexOf(',"padding":"'));
    const message = (h: string, body: string) => ({ ReceiptHandle: h, Body: body, Attributes: { SentTimestamp: '5' } });
    const replies = [
      // Ours, then bodies that start like ours but end otherwise.
      [ours, head + ',"padding":"abc', head + ',"padding":"ab\ncd"}', head + ',"padding":"abc"]', head + ',"padding":"abc"} ', head + ',"padding":"é"}', head],
      // A body that stops inside its padding, followed by one whose text is the tail ours end with:
      // the first backslash after the padding belongs to the next message.
      [head + ',"padding":"abc', '"}', ours],
      // A quote inside the id or the run id.
      [ours.replace('"id":"skim1', '"id":"sk"im1'), ours.replace('"runId":"skim1"', '"runId":"sk\"im1"')],
    ];
    for (const bodies of replies) {
      const raw = Buffer.from(JSON.stringify({ Messages: bodies.map((b, i) => message(`h${i}`, b)) }));
      const slow = readReceiveReplySlowly(raw);
      expect(skimReceiveReply(raw)).toEqual(slow);
      expect(slow.map((m) => m.bodyBytes)).toEqual(bodies.map((b) => Buffer.byteLength(b)));
    }
    expect(readReceiveReplySlowly(Buffer.from(JSON.stringify({ Messages: [message('h', ours)] })))[0].head).toMatchObject({ runId: 'skim1', seq: 8 });
  });
});
