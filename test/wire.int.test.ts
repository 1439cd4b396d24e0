/**
 * The lean wire path must be indistinguishable from the SDK to the server: same bodies, same
 * MD5s, same attributes, same errors.
 */
import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { SqsError } from '../src/errors.js';
import { PayloadFactory } from '../src/payload.js';
import { SqsWire } from '../src/sqs/wire.js';
import { createQueues, endpoint, sdk, uniquePrefix } from './helpers.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('lean SigV4 wire path', () => {
  it('SendMessageBatch via the wire and via the SDK store identical messages with identical MD5s', async () => {
    const client = sdk();
    const [viaWire, viaSdk] = await createQueues(client, uniquePrefix('wire'), 2);
    const conn = resolveConfig('send', { endpoint: endpoint() }, {}).connection;
    const wire = new SqsWire(conn, 2);
    const f = new PayloadFactory({ runId: 'eq', shard: 0, shards: 1, of: 10, total: 10 }, 10_240);
    const bodies = Array.from({ length: 10 }, (_, i) => f.body(i, 1_764_100_000_000 + i));

    const buf = Buffer.alloc(200_000);
    let o = buf.write(`{"QueueUrl":${JSON.stringify(viaWire)},"Entries":[`, 0, 'latin1');
    for (let i = 0; i < 10; i++) {
      o += buf.write(`${i ? ',' : ''}{"Id":"${i}","MessageBody":`, o, 'latin1');
      o = f.writeJsonString(buf, o, i, 1_764_100_000_000 + i);
      o += buf.write('}', o, 'latin1');
    }
    o += buf.write(']}', o, 'latin1');
    const wireReply = await wire.call<{ Successful: Array<{ Id: string; MD5OfMessageBody: string }> }>('SendMessageBatch', buf.subarray(0, o));
    const sdkReply = await client.send(
      new SendMessageBatchCommand({ QueueUrl: viaSdk, Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: b })) }),
    );
    const byId = (r: { Id?: string; MD5OfMessageBody?: string }[]) => Object.fromEntries(r.map((x) => [x.Id, x.MD5OfMessageBody]));
    expect(byId(wireReply.Successful)).toEqual(byId(sdkReply.Successful!));
    expect(byId(wireReply.Successful)['3']).toBe(md5(bodies[3]));

    const read = async (url: string) => {
      const got: string[] = [];
      while (got.length < 10) {
        const r = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        for (const m of r.Messages ?? []) {
          expect(m.MD5OfBody).toBe(md5(m.Body!));
          got.push(m.Body!);
        }
      }
      return got.sort();
    };
    expect(await read(viaWire)).toEqual(await read(viaSdk));
    const left = await client.send(new ReceiveMessageCommand({ QueueUrl: viaWire, WaitTimeSeconds: 0 }));
    expect(left.Messages ?? []).toHaveLength(0); // exactly ten, no more
    wire.close();
  });

  it('surfaces the same error names the SDK does', async () => {
    const conn = resolveConfig('send', { endpoint: endpoint() }, {}).connection;
    const wire = new SqsWire(conn, 1);
    const [url] = await createQueues(sdk(), uniquePrefix('wire-err'), 1);
    const attempt = (body: string) => wire.call('SendMessageBatch', body).then(() => undefined, (e: SqsError) => e);
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: String(i), MessageBody: 'x' }));
    const tooMany = await attempt(JSON.stringify({ QueueUrl: url, Entries: entries(11) }));
    expect(tooMany).toMatchObject({ code: 'TooManyEntriesInBatchRequest', retryable: false, status: 400 });
    const dup = await attempt(JSON.stringify({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'x' }, { Id: 'a', MessageBody: 'y' }] }));
    expect(dup).toMatchObject({ code: 'BatchEntryIdsNotDistinct', retryable: false });
    const missing = await attempt(JSON.stringify({ QueueUrl: url + '-nope', Entries: entries(1) }));
    expect(missing).toMatchObject({ code: 'QueueDoesNotExist', retryable: false });
    wire.close();
  });

  it('gives network failures a retryable code', async () => {
    const conn = resolveConfig('send', { endpoint: 'http://127.0.0.1:9' }, {}).connection;
    const wire = new SqsWire(conn, 1);
    const err = await wire.call('ReceiveMessage', '{}').catch((e: SqsError) => e);
    expect(err).toBeInstanceOf(SqsError);
    expect(err).toMatchObject({ code: 'ECONNREFUSED', retryable: true });
    wire.close();
  });
});
