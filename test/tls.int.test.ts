/**
 * The CLI over HTTPS, as against real SQS: a TLS front on loopback before the test server, its
 * certificate trusted through NODE_EXTRA_CA_CERTS as a user would. ReceiveMessage replies of
 * ~100 KB arrive there as 16 KB records, each read into the hot path's one static buffer.
 */
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { depth, endpoint, runCli, sdk, uniquePrefix } from './helpers.js';
import { hasOpenssl, startTlsFront, type TlsFront } from './tls-front.js';

let front: TlsFront | undefined;
let certPath = '';
let httpsEndpoint = '';

describe.skipIf(!hasOpenssl)('send and drain over TLS', () => {
  beforeAll(async () => {
    front = await startTlsFront(endpoint(), '127.0.0.1');
    ({ certPath, endpoint: httpsEndpoint } = front);
  });
  afterAll(() => front?.close());

  it('sends and drains every message, the queues end empty', async () => {
    const prefix = uniquePrefix('tls');
    const trusted = { env: { NODE_EXTRA_CA_CERTS: certPath } };
    const send = await runCli(['send', '--endpoint', httpsEndpoint, '--queues', '2', '--queue-prefix', prefix, '--create-queues', '--total', '3000', '--json', '--quiet'], trusted);
    expect(send.code, send.stderr).toBe(0);
    const sent = JSON.parse(send.stdout);
    expect([sent.sent, sent.failed]).toEqual([3000, 0]);

    const drain = await runCli(['drain', '--endpoint', httpsEndpoint, '--queues', '2', '--queue-prefix', prefix, '--expect', '3000', '--wait-time', '1', '--idle-timeout', '3', '--json', '--quiet'], trusted);
    expect(drain.code, drain.stderr).toBe(0);
    const drained = JSON.parse(drain.stdout);
    expect([drained.received, drained.distinct, drained.duplicates, drained.foreign, drained.deleted]).toEqual([3000, 3000, 0, 0, 3000]);
    // Checked over plain HTTP by a client that is not sqs-blast.
    const client = sdk();
    for (const name of [`${prefix}-1`, `${prefix}-2`]) {
      const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
      expect(await depth(client, QueueUrl!)).toBe(0);
    }
  });

  it('refuses a certificate it does not trust: one line, exit 2', async () => {
    const run = await runCli(['send', '--endpoint', httpsEndpoint, '--queues', '1', '--queue-prefix', uniquePrefix('tls-untrusted'), '--create-queues', '--total', '10']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/TLS certificate of https:\/\/127.0.0.1:\d+ is not trusted .*DEPTH_ZERO_SELF_SIGNED_CERT.*NODE_EXTRA_CA_CERTS/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
