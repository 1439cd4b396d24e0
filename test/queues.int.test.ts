import { GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.js';
import { depth, endpoint, runCli, sdk, uniquePrefix } from './helpers.js';

const E = () => ['--endpoint', endpoint()];

async function attributes(name: string): Promise<Record<string, string>> {
  const client = sdk();
  const url = (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
  return (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes as Record<string, string>;
}

describe('queues: create, purge, delete, stats', () => {
  it('creates standard queues with a DLQ, idempotently; different attributes are a clear error', async () => {
    const p = uniquePrefix('adm');
    const args = ['queues', 'create', ...E(), '--queues', '2', '--queue-prefix', p, '--dlq', '--max-receive-count', '3', '--visibility-timeout', '45', '--retention', '3600'];
    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.match(/created/g)).toHaveLength(4);
    const a = await attributes(`${p}-1`);
    expect(a).toMatchObject({ VisibilityTimeout: '45', MessageRetentionPeriod: '3600', MaximumMessageSize: '1048576' });
    expect(JSON.parse(a.RedrivePolicy)).toMatchObject({ deadLetterTargetArn: expect.stringMatching(new RegExp(`:${p}-1-dlq$`)), maxReceiveCount: 3 });

    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(again.stdout.match(/exists/g)).toHaveLength(4);

    const conflict = await runCli([...args.slice(0, -4), '--visibility-timeout', '60', '--retention', '3600']);
    expect(conflict.code).toBe(2);
    // The DLQ is set up first, so it is the first to disagree.
    expect(conflict.stderr.trim()).toMatch(new RegExp(`^sqs-blast: queue ${p}-1-dlq exists with other attributes: VisibilityTimeout=45 \\(asked 60\\)`));
  });

  it('creates FIFO queues (content dedup, high throughput) with FIFO DLQs', async () => {
    const p = uniquePrefix('fifoadm');
    const run = await runCli(['queues', 'create', ...E(), '--queue-prefix', p, '--fifo', '--content-dedup', '--high-throughput', '--dlq']);
    expect(run.code, run.stderr).toBe(0);
    expect(await attributes(`${p}-1.fifo`)).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
    expect((await attributes(`${p}-1-dlq.fifo`)).FifoQueue).toBe('true');
  });

  it('--create-queues creates queues as `queues create` does, standard and FIFO: the same CreateQueue attributes', async () => {
    const proxy = new FaultProxy(endpoint());
    await proxy.start();
    proxy.recordActions = ['CreateQueue'];
    const asked = () => proxy.recorded.map((r) => JSON.parse(r.body) as { QueueName: string; Attributes?: Record<string, string> });
    try {
      for (const fifo of [[], ['--fifo']]) {
        const [byAdmin, byRun] = [uniquePrefix('mkadm'), uniquePrefix('mkrun')];
        proxy.recorded.length = 0;
        expect((await runCli(['queues', 'create', '--endpoint', proxy.endpoint, '--queue-prefix', byAdmin, ...fifo])).code).toBe(0);
        const run = await runCli(['send', '--endpoint', proxy.endpoint, '--queue-prefix', byRun, '--create-queues', '--total', '10', '--message-size', '512', '--quiet', ...fifo]);
        expect(run.code, run.stderr).toBe(0);
        const [admin, load] = asked();
        expect(asked()).toHaveLength(2);
        expect(admin.QueueName).toMatch(new RegExp(`^${byAdmin}-1`));
        expect(load.QueueName).toMatch(new RegExp(`^${byRun}-1`));
        expect(load.Attributes).toEqual(admin.Attributes);
        expect(load.Attributes).toEqual(fifo.length ? { MaximumMessageSize: '1048576', FifoQueue: 'true' } : { MaximumMessageSize: '1048576' });
      }
    } finally {
      await proxy.kill();
    }
  });

  it('stats shows each queue and its DLQ; purge and delete need --yes without a terminal', async () => {
    const p = uniquePrefix('stats');
    expect((await runCli(['queues', 'create', ...E(), '--queues', '2', '--queue-prefix', p, '--dlq'])).code).toBe(0);
    expect((await runCli(['send', ...E(), '--queues', '2', '--queue-prefix', p, '--total', '300', '--message-size', '512', '--quiet'])).code).toBe(0);
    const stats = await runCli(['queues', 'stats', ...E(), '--queues', '2', '--queue-prefix', p]);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(new RegExp(`^${p}-1\\s+queue\\s+150\\s+0\\s+0\\s+-$`, 'm'));
    expect(stats.stdout).toMatch(new RegExp(`^${p}-2-dlq\\s+dlq\\s+0\\s+0\\s+0\\s+-$`, 'm'));
    const json = await runCli(['queues', 'stats', ...E(), '--queues', '2', '--queue-prefix', p, '--json', '--watch', '0.3'], {
      onStderr: () => undefined,
      // Stop it once two samples are out (a fixed delay failed when a loaded machine started it slowly).
      onSpawn: (child) => {
        let lines = 0;
        child.stdout!.on('data', (c) => {
          lines += String(c).split('\n').length - 1;
          if (lines >= 2) child.kill('SIGINT');
        });
      },
      timeoutMs: 30_000,
    });
    const samples = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(samples[1].queues[0]).toMatchObject({ visible: 150, msgPerS: 0 });

    const refused = await runCli(['queues', 'purge', ...E(), '--queues', '2', '--queue-prefix', p]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/add --yes to confirm/);
    const purge = await runCli(['queues', 'purge', ...E(), '--queues', '2', '--queue-prefix', p, '--yes']);
    expect(purge.code).toBe(0);
    const client = sdk();
    const url = (await client.send(new GetQueueUrlCommand({ QueueName: `${p}-1` }))).QueueUrl!;
    expect(await depth(client, url)).toBe(0);

    const del = await runCli(['queues', 'delete', ...E(), '--queues', '2', '--queue-prefix', p, '--dlq', '--yes']);
    expect(del.code).toBe(0);
    expect(del.stdout.match(/deleted/g)).toHaveLength(4);
    await expect(client.send(new GetQueueUrlCommand({ QueueName: `${p}-2-dlq` }))).rejects.toThrow();
  });
});

describe('FIFO send and drain', () => {
  it('sets group and dedup ids only on FIFO queues, and the drain verifies per-group order', async () => {
    const p = uniquePrefix('fifo');
    const send = await runCli(['send', ...E(), '--queues', '2', '--queue-prefix', p, '--fifo', '--create-queues', '--total', '1200', '--concurrency', '6', '--message-size', '512', '--json', '--quiet']);
    expect(send.code, send.stderr).toBe(0);
    const s = JSON.parse(send.stdout);
    expect(s.sent).toBe(1200);

    // An independent look: every message carries its group; within a group seqs rise.
    const client = sdk();
    const url = s.queues[0].url;
    const seen = new Map<string, number[]>();
    for (let i = 0; i < 20; i++) {
      const r = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'] }));
      for (const m of r.Messages ?? []) {
        const body = JSON.parse(m.Body!);
        expect(m.Attributes!.MessageGroupId).toBe(`g${body.group}`);
        expect(m.Attributes!.MessageDeduplicationId).toBe(body.id);
        seen.set(m.Attributes!.MessageGroupId!, [...(seen.get(m.Attributes!.MessageGroupId!) ?? []), body.seq]);
        await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
      }
    }
    expect(seen.size).toBeGreaterThan(0);
    for (const seqs of seen.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const taken = [...seen.values()].reduce((n, v) => n + v.length, 0);

    const drain = await runCli(['drain', ...E(), '--queues', '2', '--queue-prefix', p, '--fifo', '--wait-time', '1', '--idle-timeout', '2', '--json', '--quiet']);
    const d = JSON.parse(drain.stdout);
    expect(d).toMatchObject({ received: 1200 - taken, orderViolations: 0, missing: taken, duplicates: 0 });
    expect(drain.code).toBe(1); // the messages taken above are missing, honestly

    // A standard queue's messages carry no group id (that would turn on fair queues).
    const std = uniquePrefix('std');
    await runCli(['send', ...E(), '--queue-prefix', std, '--create-queues', '--total', '10', '--message-size', '512', '--quiet']);
    const stdUrl = (await client.send(new GetQueueUrlCommand({ QueueName: `${std}-1` }))).QueueUrl!;
    const r = await client.send(new ReceiveMessageCommand({ QueueUrl: stdUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
    for (const m of r.Messages ?? []) expect(m.Attributes?.MessageGroupId).toBeUndefined();
  });

  it('warns when --rate is over the FIFO quota', async () => {
    const run = await runCli(['send', ...E(), '--queue-prefix', uniquePrefix('quota'), '--fifo', '--create-queues', '--total', '20', '--rate', '50000', '--message-size', '512', '--quiet']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: --rate 50000 is over the FIFO quota of ~3000 msg\/s/);
  });
});

describe('what a run costs', () => {
  it('counts billed requests by 64 KB chunks, receives (empty too) and deletes, priced per million', async () => {
    const p = uniquePrefix('cost');
    const send = await runCli(['send', ...E(), '--queue-prefix', p, '--create-queues', '--total', '1000', '--message-size', '10240', '--json', '--quiet']);
    const s = JSON.parse(send.stdout);
    // 100 batches of 10 x 10,240 bytes = 102,400 bytes each: 2 chunks of 64 KB per call.
    expect(s.cost).toMatchObject({ sendCalls: 100, sendUnits: 200, units: 200, pricePerMillion: 0.4 });
    expect(s.cost.usd).toBeCloseTo((200 * 0.4) / 1e6, 9);

    const drain = await runCli(['drain', ...E(), '--queue-prefix', p, '--max-messages', '5', '--wait-time', '1', '--idle-timeout', '2', '--price-per-million', '0.5', '--json', '--quiet']);
    const d = JSON.parse(drain.stdout);
    expect(d.received).toBe(1000);
    // Every receive returns at most 5 x 10,240 bytes (< 64 KB): one unit each, empty ones too.
    expect(d.cost.receiveUnits).toBe(d.receiveCalls);
    expect(d.cost.deleteUnits).toBe(d.cost.deleteCalls);
    expect(d.cost.deleteCalls).toBe(200);
    expect(d.cost.units).toBe(d.receiveCalls + 200);
    // usd is rounded to micro-dollars: an odd count of requests at $0.5/M is half a micro-dollar.
    expect(Math.abs(d.cost.usd - (d.cost.units * 0.5) / 1e6)).toBeLessThanOrEqual(0.5e-6 + 1e-12);
    expect(drain.stderr).toMatch(/cost\s+\d+ billed requests/);
  });
});
