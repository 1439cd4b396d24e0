import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createQueues, depth, endpoint, runCli, sdk, uniquePrefix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-drain-'));
const FAST = ['--wait-time', '1', '--idle-timeout', '2', '--quiet'];

/** A producer that is not sqs-blast: plain SDK batches with its own bodies. */
async function foreignProduce(client: SQSClient, urls: string[], total: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (;;) {
        const first = next;
        next += 10;
        if (first >= total) return;
        const url = urls[(first / 10) % urls.length];
        await client.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: Array.from({ length: Math.min(10, total - first) }, (_, i) => ({ Id: String(i), MessageBody: `order ${first + i}` })),
          }),
        );
      }
    }),
  );
}

/** Take k messages off the queues behind the tool's back; returns their bodies. */
async function steal(client: SQSClient, urls: string[], k: number): Promise<string[]> {
  const bodies: string[] = [];
  for (let q = 0; bodies.length < k; q = (q + 1) % urls.length) {
    const r = await client.send(new ReceiveMessageCommand({ QueueUrl: urls[q], MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }));
    for (const m of r.Messages ?? []) {
      bodies.push(m.Body!);
      await client.send(new DeleteMessageCommand({ QueueUrl: urls[q], ReceiptHandle: m.ReceiptHandle! }));
    }
  }
  return bodies;
}

describe('drain against the real local server', () => {
  it("drains a foreign producer's 20,000 messages with --expect; the queues end empty", async () => {
    const client = sdk();
    const prefix = uniquePrefix('foreign');
    const urls = await createQueues(client, prefix, 4);
    await foreignProduce(client, urls, 20_000);
    const out = join(tmp, 'd.json');
    const run = await runCli(['drain', '--endpoint', endpoint(), '--queues', '4', '--queue-prefix', prefix, '--expect', '20000', '--out', out, '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const d = JSON.parse(readFileSync(out, 'utf8'));
    expect(d).toMatchObject({ kind: 'drain', received: 20000, deleted: 20000, foreign: 20000, missing: 0, duplicates: 0 });
    expect(d.e2eLatency.count).toBe(20000); // from SentTimestamp for foreign messages
    // Done at --expect: polls left waiting on the empty queues (20 s long polls by default) are
    // cut after a short grace instead of holding the run open.
    expect(d.endedAt - d.phases.drain.endedAt).toBeLessThan(6000);
    for (const key of ['received', 'distinct', 'duplicates', 'missing', 'foreign', 'e2eLatency', 'dlqDepth']) expect(d).toHaveProperty(key);
    const left = await Promise.all(urls.map((u) => depth(client, u)));
    expect(left).toEqual([0, 0, 0, 0]);
  });

  it('reports exactly the k messages deleted behind its back as missing (exit 1), and k re-sent copies as duplicates', async () => {
    const client = sdk();
    const prefix = uniquePrefix('missing');
    const sent = await runCli(['send', '--endpoint', endpoint(), '--queues', '4', '--queue-prefix', prefix, '--create-queues', '--total', '20000', '--json', '--quiet']);
    expect(sent.code).toBe(0);
    const urls: string[] = JSON.parse(sent.stdout).queues.map((q: { url: string }) => q.url);
    const k = 37;
    const stolen = await steal(client, urls, k);
    expect(new Set(stolen).size).toBe(k);

    const first = await runCli(['drain', '--endpoint', endpoint(), '--queues', '4', '--queue-prefix', prefix, '--json', ...FAST]);
    expect(first.code).toBe(1);
    const d = JSON.parse(first.stdout);
    expect(d).toMatchObject({ received: 20000 - k, distinct: 20000 - k, missing: k, duplicates: 0, missingExact: true });
    expect(first.stderr).toContain(`${k} missing`);

    // Put the stolen bodies back twice: once they fill the gap, once they are duplicates.
    for (const body of [...stolen, ...stolen]) await client.send(new SendMessageCommand({ QueueUrl: urls[0], MessageBody: body }));
    const integrity = d.integrity;
    const again = await runCli(['drain', '--endpoint', endpoint(), '--queues', '4', '--queue-prefix', prefix, '--json', ...FAST]);
    const d2 = JSON.parse(again.stdout);
    expect(d2).toMatchObject({ received: 2 * k, distinct: k, duplicates: k });
    expect(integrity).toHaveLength(1);
  });

  it('a drain pod started before its producers waits --start-timeout for the first message, then stops --idle-timeout after the last', async () => {
    const client = sdk();
    const prefix = uniquePrefix('start');
    const urls = await createQueues(client, prefix, 2);
    const started = Date.now();
    const drain = runCli(['drain', '--endpoint', endpoint(), '--queues', '2', '--queue-prefix', prefix, '--wait-time', '1', '--idle-timeout', '1', '--start-timeout', '20', '--json', '--quiet']);
    // Producers show up 4 s late: four idle timeouts after the drain started.
    await new Promise((r) => setTimeout(r, 4000));
    await foreignProduce(client, urls, 500);
    const producedAt = Date.now();
    const run = await drain;
    expect(run.code, run.stderr).toBe(0);
    const d = JSON.parse(run.stdout);
    expect(d).toMatchObject({ received: 500, deleted: 500, foreign: 500 });
    // Idle counts from the last message: the drain ended soon after the producer, not at the start timeout.
    expect(d.endedAt - producedAt).toBeLessThan(6000);
    expect(d.endedAt - started).toBeLessThan(15_000);
  });

  it('a drain pod whose siblings took every message stops an idle timeout after seeing the queues busy, not at its start timeout', async () => {
    const client = sdk();
    const prefix = uniquePrefix('sibling');
    const urls = await createQueues(client, prefix, 1);
    await foreignProduce(client, urls, 30);
    // A sibling holds every message in flight: this pod will never receive one.
    let held = 0;
    while (held < 30) held += (await client.send(new ReceiveMessageCommand({ QueueUrl: urls[0], MaxNumberOfMessages: 10, VisibilityTimeout: 60 }))).Messages?.length ?? 0;
    const started = Date.now();
    const run = await runCli(['drain', '--endpoint', endpoint(), '--queue-prefix', prefix, '--wait-time', '1', '--idle-timeout', '2', '--start-timeout', '60', '--json', '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ received: 0 });
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('--no-gate exits 0 on a failing verdict and leaves it, unchanged, in the result for report', async () => {
    const client = sdk();
    const prefix = uniquePrefix('nogate');
    const urls = await createQueues(client, prefix, 1);
    await foreignProduce(client, urls, 30);
    const args = ['drain', '--endpoint', endpoint(), '--queue-prefix', prefix, '--expect', '50', '--json', ...FAST];
    const gated = await runCli(args);
    expect(gated.code).toBe(1);
    await foreignProduce(client, urls, 30);
    const free = await runCli(args, { env: { SQS_BLAST_GATE: 'false' } });
    expect(free.code, free.stderr).toBe(0);
    expect(JSON.parse(free.stdout)).toMatchObject({ received: 30, missing: 20, exitCode: 1 });
    expect(free.stderr).toContain('--no-gate: exit 0; the verdict (exit 1) is in the result');
  });

  it('finds the dead-letter queue from the RedrivePolicy and reports its depth (exit 1)', async () => {
    const client = sdk();
    const prefix = uniquePrefix('dlq');
    const [dlqUrl] = await createQueues(client, `${prefix}-dead`, 1);
    const arn = `arn:aws:sqs:us-east-1:000000000000:${prefix}-dead-1`;
    const [url] = await createQueues(client, prefix, 1, {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 1 }),
      VisibilityTimeout: '1',
    });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    // Receive without deleting, twice: the second receive moves it to the DLQ.
    await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    await new Promise((r) => setTimeout(r, 1200));
    await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(await depth(client, dlqUrl)).toBe(1);

    const run = await runCli(['drain', '--endpoint', endpoint(), '--queue-prefix', prefix, '--json', ...FAST]);
    expect(run.code).toBe(1);
    const d = JSON.parse(run.stdout);
    expect(d.dlqDepth).toBe(1);
    expect(run.stderr).toContain('1 in the DLQ');
  });

  it('SIGTERM during drain: the report is printed and every deleted message was counted', async () => {
    const prefix = uniquePrefix('drain-term');
    const sent = await runCli(['send', '--endpoint', endpoint(), '--queues', '2', '--queue-prefix', prefix, '--create-queues', '--total', '30000', '--message-size', '2048', '--json', '--quiet']);
    expect(sent.code).toBe(0);
    const out = join(tmp, 'term.json');
    let signalled = false;
    const run = await runCli(
      ['drain', '--endpoint', endpoint(), '--queues', '2', '--queue-prefix', prefix, '--concurrency', '2', '--out', out, '--progress-interval', '0.2', '--wait-time', '1'],
      {
        onStderr: (chunk, child) => {
          if (!signalled && /received [1-9]/.test(chunk)) {
            signalled = true;
            child.kill('SIGTERM');
          }
        },
      },
    );
    expect(run.code).toBe(143);
    const d = JSON.parse(readFileSync(out, 'utf8'));
    expect(d.interrupted).toBe('SIGTERM');
    expect(d.received).toBeGreaterThan(0);
    expect(d.received).toBeLessThan(30000);
    // Nothing deleted without being counted: what is gone from the queues is what was received.
    const client = sdk();
    const left = (await depth(client, d.queues[0].url)) + (await depth(client, d.queues[1].url));
    expect(30000 - left).toBe(d.deleted);
    expect(d.deleted).toBe(d.received - d.deleteFailed);
  });
});

describe('run: send and drain together', () => {
  it('run --local reports both sides, end-to-end latency, and missing 0, duplicates 0', async () => {
    const run = await runCli(['run', '--local', '--total', '20000', '--queues', '4', '--json', '--quiet']);
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r).toMatchObject({ kind: 'run', sent: 20000, received: 20000, distinct: 20000, missing: 0, duplicates: 0, failed: 0 });
    // Every message received was deleted, and the queues hold nothing afterwards: a drain whose
    // deletes never happened would read the same counts above, its messages back in the queues.
    expect(r).toMatchObject({ deleted: 20000, deleteFailed: 0 });
    expect(r.queues).toHaveLength(4);
    for (const q of r.queues) expect(q).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
    expect(r.e2eLatency.count).toBe(20000);
    expect(r.throughput.send).toBeGreaterThan(0);
    expect(r.throughput.receive).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/end-to-end/);
    expect(run.stderr).toContain('missing 0');
  });
});
