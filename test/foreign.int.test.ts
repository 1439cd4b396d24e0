/**
 * Runs kept apart under the ledger: a send refuses to start on queues holding another run's
 * messages (exit 2, one line), unless --allow-foreign; its own run's siblings are never looked at
 * (a look is a receive, and would count against a DLQ's maxReceiveCount).
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { depth, endpoint, runCli, s3Client, sdk, uniquePrefix } from './helpers.js';

describe('a send on queues that hold another run’s messages', () => {
  it('is refused with one line naming the run and the ways out, and goes with --allow-foreign', async () => {
    const bucket = uniquePrefix('foreign').toLowerCase();
    await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
    const prefix = uniquePrefix('foreign-send');
    const env = { AWS_ENDPOINT_URL_S3: endpoint() };
    const base = ['send', '--endpoint', endpoint(), '--queues', '1', '--queue-prefix', prefix, '--total', '50', '--message-size', '512', '--out', `s3://${bucket}/runs/`];
    expect((await runCli([...base, '--create-queues', '--run-id', 'runa', '--shards', '2', '--shard', '0'], { env })).code).toBe(0);
    // Another shard of the same run adds to its own run's messages without looking at them.
    expect((await runCli([...base, '--run-id', 'runa', '--shards', '2', '--shard', '1'], { env })).code).toBe(0);
    const url = (await sdk().send(new GetQueueUrlCommand({ QueueName: `${prefix}-1` }))).QueueUrl!;
    const refused = await runCli([...base, '--run-id', 'runb'], { env });
    expect(refused.code).toBe(2);
    const lines = refused.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`queue ${prefix}-1 holds messages of another run \\(runa\\).*--queue-prefix.*queues purge.*--allow-foreign`));
    expect(await depth(sdk(), url)).toBe(50);
    const allowed = await runCli([...base, '--run-id', 'runb', '--allow-foreign'], { env });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await depth(sdk(), url)).toBe(100);
    // Only runb's first look received anything: runa's messages were received once, by it.
    const counts = new Map<string, number>();
    for (let got = 0; got < 100; ) {
      const r = await sdk().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      for (const m of r.Messages ?? []) {
        const n = m.Attributes?.ApproximateReceiveCount ?? '?';
        counts.set(n, (counts.get(n) ?? 0) + 1);
      }
      got += r.Messages?.length ?? 0;
      if (!r.Messages?.length) break;
    }
    // This receive is the first for 90 of them; the look took at most 10 (one receive call).
    expect(counts.get('1')).toBeGreaterThanOrEqual(90);
    expect([...counts.keys()].every((k) => k === '1' || k === '2')).toBe(true);
  }, 60_000);
});
