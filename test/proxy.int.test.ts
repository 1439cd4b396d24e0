/**
 * Through a forward proxy, as in a corporate network: with HTTP_PROXY / HTTPS_PROXY set, the hot
 * path (SendMessageBatch, ReceiveMessage, DeleteMessageBatch) and the SDK's setup calls all go
 * through it, absolute-form to an http endpoint and CONNECT to an https one (the TLS front before
 * the test server); NO_PROXY exempts the endpoint. A FIFO poll whose reply is lost is retried
 * under the same ReceiveRequestAttemptId.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectProxy } from './connect-proxy.js';
import { FaultProxy } from './fault-proxy.js';
import { endpoint, runCli, uniquePrefix } from './helpers.js';
import { hasOpenssl, startTlsFront, type TlsFront } from './tls-front.js';

let proxy: ConnectProxy;
beforeAll(async () => {
  proxy = await new ConnectProxy().start();
});
afterAll(() => proxy.stop());

const counts = () => ({ ...proxy.byAction });
const delta = (before: Record<string, number>) => Object.fromEntries(Object.entries(proxy.byAction).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v));

describe('HTTP_PROXY for an http endpoint', () => {
  it('send and drain go through it, hot calls and setup calls alike; the summary says so', async () => {
    const prefix = uniquePrefix('proxy');
    const env = { env: { HTTP_PROXY: proxy.url } };
    const before = counts();
    const send = await runCli(['send', '--endpoint', endpoint(), '--queues', '2', '--queue-prefix', prefix, '--create-queues', '--total', '400', '--quiet'], env);
    expect(send.code, send.stderr).toBe(0);
    expect(send.stdout + send.stderr).toContain(`via proxy ${proxy.url}`);
    const sent = delta(before);
    expect(sent.SendMessageBatch).toBe(40);
    // Setup: the SDK client's GetQueueUrl/CreateQueue went through the proxy too.
    expect((sent.GetQueueUrl ?? 0) + (sent.CreateQueue ?? 0)).toBeGreaterThanOrEqual(2);

    const mid = counts();
    const drain = await runCli(['drain', '--endpoint', endpoint(), '--queues', '2', '--queue-prefix', prefix, '--expect', '400', '--wait-time', '1', '--idle-timeout', '3', '--json', '--quiet'], env);
    expect(drain.code, drain.stderr).toBe(0);
    const drained = JSON.parse(drain.stdout);
    expect([drained.received, drained.distinct, drained.deleted]).toEqual([400, 400, 400]);
    expect(drained.config.proxy).toBe(proxy.url);
    const d = delta(mid);
    expect(d.ReceiveMessage).toBeGreaterThanOrEqual(40);
    expect(d.DeleteMessageBatch).toBeGreaterThanOrEqual(40);
    expect(d.GetQueueUrl).toBeGreaterThanOrEqual(2);
  });

  it('NO_PROXY exempts the endpoint (host, or host:port): the proxy sees nothing', async () => {
    const host = new URL(endpoint()).hostname;
    for (const noProxy of [host, new URL(endpoint()).host]) {
      const before = proxy.total();
      const run = await runCli(['send', '--endpoint', endpoint(), '--queues', '1', '--queue-prefix', uniquePrefix('noproxy'), '--create-queues', '--total', '50', '--json', '--quiet'], {
        env: { HTTP_PROXY: proxy.url, NO_PROXY: noProxy },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).sent).toBe(50);
      expect(proxy.total() - before).toBe(0);
    }
  });
});

describe.skipIf(!hasOpenssl)('HTTPS_PROXY for an https endpoint', () => {
  let front: TlsFront | undefined;
  let certPath = '';
  let httpsEndpoint = '';
  beforeAll(async () => {
    front = await startTlsFront(endpoint(), 'localhost');
    ({ certPath, endpoint: httpsEndpoint } = front);
  });
  afterAll(() => front?.close());

  it('tunnels with CONNECT, the certificate checked for the endpoint', async () => {
    const prefix = uniquePrefix('proxy-tls');
    const env = { env: { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: certPath } };
    const authority = new URL(httpsEndpoint).host;
    const before = proxy.byTarget[`CONNECT ${authority}`] ?? 0;
    const send = await runCli(['send', '--endpoint', httpsEndpoint, '--queues', '1', '--queue-prefix', prefix, '--create-queues', '--total', '300', '--json', '--quiet'], env);
    expect(send.code, send.stderr).toBe(0);
    expect(JSON.parse(send.stdout).sent).toBe(300);
    const drain = await runCli(['drain', '--endpoint', httpsEndpoint, '--queues', '1', '--queue-prefix', prefix, '--expect', '300', '--wait-time', '1', '--idle-timeout', '3', '--json', '--quiet'], env);
    expect(drain.code, drain.stderr).toBe(0);
    expect(JSON.parse(drain.stdout).distinct).toBe(300);
    // Tunnels for the setup client and for each worker's connections; nothing went around the proxy in the clear.
    expect((proxy.byTarget[`CONNECT ${authority}`] ?? 0) - before).toBeGreaterThanOrEqual(4);
  });
});

describe('FIFO receive attempt ids', () => {
  it('a ReceiveMessage retried after its reply was lost carries the same ReceiveRequestAttemptId; the next poll a fresh one', async () => {
    const faults = new FaultProxy(endpoint());
    await faults.start();
    try {
      const prefix = uniquePrefix('attempt');
      const send = await runCli(['send', '--endpoint', faults.endpoint, '--fifo', '--queues', '1', '--queue-prefix', prefix, '--create-queues', '--total', '30', '--json', '--quiet']);
      expect(send.code, send.stderr).toBe(0);
      faults.recordActions = ['ReceiveMessage'];
      faults.rules = [{ fault: 'resetAfter', p: 1, action: 'ReceiveMessage', times: 1 }];
      // One poller, so the recorded polls are one sequence.
      const drain = await runCli(['drain', '--endpoint', faults.endpoint, '--fifo', '--queues', '1', '--queue-prefix', prefix, '--concurrency', '1', '--expect', '30', '--wait-time', '1', '--idle-timeout', '3', '--visibility-timeout', '2', '--json', '--quiet']);
      expect(drain.code, drain.stderr).toBe(0);
      expect(JSON.parse(drain.stdout).distinct).toBe(30);
      expect(faults.injected['ReceiveMessage:resetAfter']).toBe(1);
      const ids = faults.recorded.map((r) => (JSON.parse(r.body) as { ReceiveRequestAttemptId?: string }).ReceiveRequestAttemptId);
      expect(ids.length).toBeGreaterThanOrEqual(3);
      expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
      // The one reply lost and its retry, then a new attempt.
      expect(ids[1]).toBe(ids[0]);
      expect(ids[2]).not.toBe(ids[1]);
      expect(new Set(ids).size).toBe(ids.length - 1);
    } finally {
      await faults.kill();
    }
  });
});
