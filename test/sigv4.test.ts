import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { describe, expect, it } from 'vitest';
import { LeanSigner } from '../src/sqs/sigv4.js';

async function sdkSignature(creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, body: Buffer, date: Date, host: string, target = 'AmazonSQS.SendMessageBatch') {
  const signer = new SignatureV4({ credentials: creds, region: 'eu-west-1', service: 'sqs', sha256: Hash.bind(null, 'sha256') });
  const headers: Record<string, string> = {
    host,
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': target,
    'content-length': String(body.length),
  };
  const signed = await signer.sign({ method: 'POST', protocol: 'https:', hostname: host, path: '/', query: {}, headers, body }, { signingDate: date });
  return signed.headers;
}

describe('lean SigV4 signer', () => {
  const body = Buffer.from(JSON.stringify({ QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q', Entries: [{ Id: '0', MessageBody: 'x'.repeat(10_000) }] }));
  const date = new Date('2026-11-25T21:40:07.123Z');

  it.each([
    ['long-term keys', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }],
    ['session credentials', { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret/with+chars', sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN==' }],
  ])('signs exactly as the SDK does, with %s', async (_name, creds) => {
    const host = 'sqs.eu-west-1.amazonaws.com';
    const sdk = await sdkSignature(creds, body, date, host);
    const lean = await new LeanSigner(async () => creds, 'eu-west-1', host).sign('AmazonSQS.SendMessageBatch', body, date.getTime());
    expect(lean.authorization).toBe(sdk.authorization);
    expect(lean['x-amz-date']).toBe(sdk['x-amz-date']);
    expect(lean['x-amz-security-token']).toBe(sdk['x-amz-security-token']);
  });

  it('signs a fixed body from its kept hash exactly as the SDK signs it fresh', async () => {
    const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
    const host = 'sqs.eu-west-1.amazonaws.com';
    const signer = new LeanSigner(async () => creds, 'eu-west-1', host);
    const other = Buffer.from('{"QueueUrl":"q2"}');
    for (const at of [date, new Date(date.getTime() + 61_000)]) {
      for (const b of [body, other]) {
        const sdk = await sdkSignature(creds, b, at, host);
        expect((await signer.sign('AmazonSQS.SendMessageBatch', b, at.getTime(), true)).authorization).toBe(sdk.authorization);
      }
    }
  });

  it('signs with credentials in their refresh window while a background refresh runs, and re-derives the key on a new day', async () => {
    let calls = 0;
    const provider = async () => ({ accessKeyId: `AK${++calls}`, secretAccessKey: 's', expiration: new Date(date.getTime() + 10 * 60_000) });
    const signer = new LeanSigner(provider, 'eu-west-1', 'h');
    let refreshes = 0;
    signer.onRefresh = () => refreshes++;
    await signer.sign('AmazonSQS.ReceiveMessage', body, date.getTime());
    await signer.sign('AmazonSQS.ReceiveMessage', body, date.getTime() + 60_000);
    expect(calls).toBe(1);
    // 4 minutes before expiry: still valid, so they sign at once (headNow answers, no wait on the provider)...
    const inWindow = date.getTime() + 6 * 60_000;
    expect(signer.headNow('AmazonSQS.ReceiveMessage', body, inWindow)).toContain('Credential=AK1/');
    // ...and one refresh started behind them, not one per call.
    for (let i = 0; i < 50; i++) signer.headNow('AmazonSQS.ReceiveMessage', body, inWindow + i);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    expect(refreshes).toBe(1);
    expect(signer.headNow('AmazonSQS.ReceiveMessage', body, inWindow + 100)).toContain('Credential=AK2/');
    const nextDay = await signer.sign('AmazonSQS.ReceiveMessage', body, date.getTime() + 24 * 3600_000);
    expect(nextDay.authorization).toContain('/20261126/eu-west-1/sqs/aws4_request');
  });

  it('waits for new credentials only once the held ones are seconds from expiry', async () => {
    let calls = 0;
    const provider = async () => ({ accessKeyId: `AK${++calls}`, secretAccessKey: 's', expiration: new Date(date.getTime() + 20_000) });
    const signer = new LeanSigner(provider, 'eu-west-1', 'h');
    await signer.sign('AmazonSQS.ReceiveMessage', body, date.getTime());
    expect(signer.headNow('AmazonSQS.ReceiveMessage', body, date.getTime() + 16_000)).toBeDefined();
    expect(signer.headNow('AmazonSQS.ReceiveMessage', body, date.getTime() + 18_000)).toBeUndefined();
  });

  it('renews refused credentials with a forced refresh, once for many callers, and says when there is nothing newer', async () => {
    const asked: unknown[] = [];
    let n = 0;
    const provider = async (options?: Record<string, unknown>) => (asked.push(options), { accessKeyId: `AK${++n}`, secretAccessKey: 's', sessionToken: 't' });
    const signer = new LeanSigner(provider, 'eu-west-1', 'h');
    await signer.sign('AmazonSQS.ReceiveMessage', body, date.getTime());
    const used = signer.lastSigned!;
    expect(await Promise.all([signer.renew(used), signer.renew(used), signer.renew(used)])).toEqual([true, true, true]);
    expect(asked).toEqual([undefined, { forceRefresh: true }]);
    const fixed = { accessKeyId: 'AKSTATIC', secretAccessKey: 's' };
    const staticSigner = new LeanSigner(async () => fixed, 'eu-west-1', 'h');
    await staticSigner.sign('AmazonSQS.ReceiveMessage', body, date.getTime());
    expect(await staticSigner.renew(staticSigner.lastSigned!)).toBe(false);
  });
});

describe('signed request head', () => {
  const body = Buffer.from('{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/123456789012/q","MaxNumberOfMessages":10}');
  const headersOf = (head: string) => {
    const lines = head.split('\r\n');
    expect(lines[0]).toBe('POST / HTTP/1.1');
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    return Object.fromEntries(lines.slice(1, -2).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
  };

  it.each([
    ['long-term keys', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }],
    ['session credentials', { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's/+', sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN==' }],
  ])('carries exactly the headers the SDK-checked signature has, with %s', async (_name, creds) => {
    const host = 'sqs.eu-west-1.amazonaws.com';
    const t0 = Date.parse('2026-11-25T23:59:59.500Z');
    const signer = new LeanSigner(async () => creds, 'eu-west-1', host);
    // Before the credentials are loaded the synchronous path declines.
    expect(signer.headNow('AmazonSQS.ReceiveMessage', body, t0)).toBeUndefined();
    // Across a second and a day boundary, where the kept parts must be rebuilt.
    for (const at of [t0, t0 + 600, t0 + 86_400_000]) {
      const head = await signer.head('AmazonSQS.ReceiveMessage', body, at, true);
      const sdk = await sdkSignature(creds, body, new Date(at), host, 'AmazonSQS.ReceiveMessage');
      const { 'user-agent': agent, ...signed } = headersOf(head);
      expect(agent).toBe('sqs-blast');
      expect(signed).toEqual(await signer.sign('AmazonSQS.ReceiveMessage', body, at));
      expect(signed.authorization).toBe(sdk.authorization);
      expect(signer.headNow('AmazonSQS.ReceiveMessage', body, at, true)).toBe(head);
    }
  });
});
