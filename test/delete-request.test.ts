import { describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../src/sqs/receive-reply.js';
import { deleteRequest } from '../src/sqs/requests.js';

const msg = (receiptHandle: string): ReceivedMessage => ({ receiptHandle, head: undefined, bodyBytes: 1, sentTimestamp: NaN, receiveCount: 1 });

describe('DeleteMessageBatch request', () => {
  it('is byte for byte what JSON.stringify makes, for plain and odd handles, in a buffer that grows', () => {
    const url = 'http://127.0.0.1:4566/000000000000/q-"1"';
    const prefix = Buffer.from(`{"QueueUrl":${JSON.stringify(url)},"Entries":[`);
    const messages = [
      msg('AQEB+a/b=='.repeat(30)),
      msg('quote " backslash \\ tab \t nul \u0000'),
      msg('unicode é 日本 😀 and a lone \ud800 surrogate'),
      msg('x'.repeat(5000)),
    ];
    const holder = { buf: Buffer.alloc(16) };
    for (const pending of [[0, 1, 2, 3], [2], [3, 0]]) {
      const got = deleteRequest(holder, prefix, messages, pending);
      const want = JSON.stringify({ QueueUrl: url, Entries: pending.map((i) => ({ Id: String(i), ReceiptHandle: messages[i].receiptHandle })) });
      expect(got.toString('utf8')).toBe(want);
      expect(JSON.parse(got.toString('utf8')).Entries.map((e: { ReceiptHandle: string }) => e.ReceiptHandle)).toEqual(pending.map((i) => messages[i].receiptHandle));
    }
    expect(holder.buf.length).toBeGreaterThan(5000);
  });
});
