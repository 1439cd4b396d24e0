/**
 * The lean PublishBatch (src/sns/query.ts) against @aws-sdk/client-sns itself: the request body
 * the SDK serialises for the same input, the SDK's reading of the same replies and refusals, and
 * the SDK's SigV4 signature of the same form request. The SDK's calls go to a request handler
 * that records the request and answers with the reply under test (no server, no network).
 */
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpResponse } from '@smithy/core/protocols';
import type { HttpRequest } from '@smithy/types';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { publishBatchForm, readPublishBatchReply, snsErrorFromReply } from '../src/sns/query.js';
import { LeanSigner } from '../src/sqs/sigv4.js';
import { isThrottle } from '../src/sqs/error-codes.js';

const ARN = 'arn:aws:sns:eu-west-1:123456789012:orders';
const sendBatch = {
  QueueUrl: ARN,
  Entries: [
    { Id: '0', MessageBody: '{"id":"r-0-0","runId":"r","seq":0,"padding":"ab*(c)!\'~ ü"}' },
    { Id: '1', MessageBody: 'x'.repeat(300), MessageAttributes: { 'sqs-blast': { DataType: 'String', StringValue: '{"runId":"r"}' }, n: { DataType: 'Number', StringValue: '7' } } },
  ],
};

/** The SDK's request for `input`, answered with `status` and `reply`. */
async function viaSdk(reply: string, status = 200): Promise<{ body: string; output?: unknown; error?: { name: string; $retryable?: unknown } }> {
  let body = '';
  const client = new SNSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (req: HttpRequest) => {
        body = String(req.body);
        return { response: new HttpResponse({ statusCode: status, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(reply)]) }) };
      },
    },
  });
  const input = {
    TopicArn: ARN,
    PublishBatchRequestEntries: sendBatch.Entries.map((e) => ({ Id: e.Id, Message: e.MessageBody, ...(e.MessageAttributes ? { MessageAttributes: e.MessageAttributes } : {}) })),
  };
  try {
    const output = await client.send(new PublishBatchCommand(input));
    return { body, output };
  } catch (e) {
    return { body, error: e as { name: string } };
  } finally {
    client.destroy();
  }
}

const OK = `<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult>
  <Successful><member><Id>0</Id><MessageId>m-0</MessageId></member></Successful>
  <Failed><member><Id>1</Id><Code>InvalidParameter</Code><Message>Message too &lt;long&gt;</Message><SenderFault>true</SenderFault></member></Failed>
</PublishBatchResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishBatchResponse>`;

describe('lean PublishBatch, as @aws-sdk/client-sns speaks it', () => {
  it('sends the form the SDK sends for the same entries', async () => {
    const sdk = await viaSdk(OK);
    expect(publishBatchForm(JSON.stringify(sendBatch)).toString()).toBe(sdk.body);
  });

  it('reads Successful and Failed members as the SDK does', async () => {
    const sdk = (await viaSdk(OK)).output as { Successful: Array<{ Id: string }>; Failed: Array<{ Id: string; Code: string; SenderFault: boolean; Message: string }> };
    const lean = readPublishBatchReply(Buffer.from(OK));
    expect(lean.Successful!.map((s) => s.Id)).toEqual(sdk.Successful.map((s) => s.Id));
    expect(lean.Failed).toEqual(sdk.Failed.map((f) => ({ Id: f.Id, Code: 'InvalidParameterException', SenderFault: f.SenderFault, Message: f.Message })));
    expect(sdk.Failed[0].Message).toBe('Message too <long>');
  });

  it('names a throttle as the SDK does, and retries it', async () => {
    const text = '<ErrorResponse><Error><Type>Sender</Type><Code>Throttled</Code><Message>Rate exceeded</Message></Error><RequestId>x</RequestId></ErrorResponse>';
    const sdk = await viaSdk(text, 400);
    const lean = snsErrorFromReply(400, text);
    expect(lean.code).toBe(sdk.error!.name);
    expect([lean.retryable, isThrottle(lean.code)]).toEqual([true, true]);
    const missing = snsErrorFromReply(404, '<ErrorResponse><Error><Code>NotFound</Code><Message>Topic does not exist</Message></Error></ErrorResponse>');
    expect([missing.code, missing.retryable]).toEqual([(await viaSdk('<ErrorResponse><Error><Code>NotFound</Code></Error></ErrorResponse>', 404)).error!.name, false]);
  });

  it('signs the form request exactly as the SDK signer does', async () => {
    const creds = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret/with+chars', sessionToken: 'TOKEN==' };
    const host = 'sns.eu-west-1.amazonaws.com';
    const body = publishBatchForm(JSON.stringify(sendBatch));
    const date = new Date('2026-11-25T21:40:07.123Z');
    const sdk = await new SignatureV4({ credentials: creds, region: 'eu-west-1', service: 'sns', sha256: Hash.bind(null, 'sha256') }).sign(
      { method: 'POST', protocol: 'https:', hostname: host, path: '/', query: {}, headers: { host, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) }, body },
      { signingDate: date },
    );
    const lean = await new LeanSigner(async () => creds, 'eu-west-1', host, 'sns', 'query').sign('PublishBatch', body, date.getTime());
    expect(lean.authorization).toBe(sdk.headers.authorization);
    expect(lean['x-amz-target']).toBeUndefined();
  });
});
