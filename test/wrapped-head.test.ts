import { describe, expect, it } from 'vitest';
import { PayloadFactory } from '../src/payload.js';
import { readReceiveReplySlowly, skimReceiveReply } from '../src/sqs/receive-reply.js';
import { findWrappedHead } from '../src/wrapped-head.js';

const identity = { runId: 'wrap1', shard: 2, shards: 4, of: 1000, total: 4000 };
const factory = new PayloadFactory(identity, 1024);
const SENT_AT = 1_764_100_000_123;
const body = (seq: number): string => factory.body(seq, SENT_AT);
const expected = (seq: number) => ({ ...identity, seq, sentAt: SENT_AT });

describe('findWrappedHead: our head wherever a service or SNS put it', () => {
  it('finds our body as a string field at any depth', () => {
    const doc = JSON.stringify({ orderId: 'o-1', meta: { trace: 'x', source: { raw: body(41) } } });
    expect(findWrappedHead(doc)).toEqual(expected(41));
  });

  it('finds it inside a document that is itself a string in another (two layers of escaping)', () => {
    const inner = JSON.stringify({ payload: body(7) });
    const outer = JSON.stringify({ envelope: inner, list: [1, 2] });
    expect(findWrappedHead(outer)).toEqual(expected(7));
  });

  it('finds our body parsed and embedded as an object, in an array', () => {
    const doc = JSON.stringify({ items: [{ sku: 'a' }, { input: JSON.parse(body(999)) }] });
    expect(findWrappedHead(doc)).toEqual(expected(999));
  });

  it('reads an SNS envelope (raw delivery off): the Message, or the sqs-blast attribute of a template body', () => {
    const envelope = (message: string, attributes: Record<string, unknown> = {}) =>
      JSON.stringify({ Type: 'Notification', MessageId: 'm-1', TopicArn: 'arn:aws:sns:us-east-1:000000000000:t', Message: message, Timestamp: '2026-12-02T00:00:00.000Z', MessageAttributes: attributes });
    expect(findWrappedHead(envelope(body(3)))).toEqual(expected(3));
    const head = JSON.stringify({ ...JSON.parse(body(5)), padding: undefined });
    expect(findWrappedHead(envelope('<order>not json</order>', { 'sqs-blast': { Type: 'String', Value: head } }))).toEqual(expected(5));
  });

  it('calls foreign what holds no head: other JSON, look-alikes, text, broken JSON', () => {
    expect(findWrappedHead(JSON.stringify({ order: 17 }))).toBeUndefined();
    expect(findWrappedHead(JSON.stringify({ runId: 'r', seq: 'not a number', sentAt: 1, shard: 0 }))).toBeUndefined();
    expect(findWrappedHead('runId but not JSON')).toBeUndefined();
    expect(findWrappedHead('{"a":"runId", "b": [1,')).toBeUndefined();
    expect(findWrappedHead('')).toBeUndefined();
  });

  it('gives up on a hostile nesting instead of overflowing the stack', () => {
    const deep = '['.repeat(5000) + JSON.stringify(body(1)) + ']'.repeat(5000);
    expect(findWrappedHead(deep)).toBeUndefined();
    // A shallow wrapper is found: the bound is on depth, not on finding.
    expect(findWrappedHead('['.repeat(10) + JSON.stringify(body(1)) + ']'.repeat(10))).toEqual(expected(1));
  });

  it('is what the drain reads from a reply, on the fast path and the JSON.parse path alike', () => {
    const messages = [
      { ReceiptHandle: 'h0', Body: body(0), Attributes: { SentTimestamp: '1', ApproximateReceiveCount: '1' } },
      { ReceiptHandle: 'h1', Body: JSON.stringify({ wrapped: body(1) }), Attributes: { SentTimestamp: '2', ApproximateReceiveCount: '1' } },
      { ReceiptHandle: 'h2', Body: JSON.stringify({ Type: 'Notification', Message: body(2) }) },
      { ReceiptHandle: 'h3', Body: JSON.stringify({ nothing: 'of ours' }) },
    ];
    const reply = Buffer.from(JSON.stringify({ Messages: messages }));
    for (const read of [skimReceiveReply, readReceiveReplySlowly]) {
      const got = read(reply);
      expect(got.map((m) => m.head?.seq)).toEqual([0, 1, 2, undefined]);
      expect(got[1].bodyBytes).toBe(Buffer.byteLength(messages[1].Body));
    }
  });
});
