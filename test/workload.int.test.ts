/**
 * Workloads that look like the user's (#17), checked by independent readers: boto3 (python3)
 * and the AWS CLI read what sqs-blast sent, and sqs-blast's own drain proves arrival.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createQueues, endpoint, runCli, sdk, uniquePrefix } from './helpers.js';

const AWS_ENV = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' };

/** boto3 receives (and deletes) everything in the queue: each body's size and its attributes. */
function boto3ReadAll(url: string): Array<{ size: number; attributes: Record<string, { DataType: string; StringValue: string }>; body: string; group?: string }> {
  const script = `
import boto3, json, sys
sqs = boto3.client('sqs', endpoint_url=sys.argv[1], region_name='us-east-1')
out, empty = [], 0
while empty < 2:
    r = sqs.receive_message(QueueUrl=sys.argv[2], MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=['All'], AttributeNames=['All'])
    ms = r.get('Messages', [])
    if not ms:
        empty += 1
        continue
    empty = 0
    for m in ms:
        out.append({'size': len(m['Body'].encode()), 'attributes': m.get('MessageAttributes', {}), 'body': m['Body'][:200], 'group': m.get('Attributes', {}).get('MessageGroupId')})
    sqs.delete_message_batch(QueueUrl=sys.argv[2], Entries=[{'Id': str(i), 'ReceiptHandle': m['ReceiptHandle']} for i, m in enumerate(ms)])
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, endpoint(), url], { env: AWS_ENV, maxBuffer: 64 << 20 }).toString());
}

/** The AWS CLI's view of a queue's counts (it ignores AWS_ENDPOINT_URL: the endpoint is given). */
function awsQueueCounts(url: string): Record<string, number> {
  const out = execFileSync(
    'aws',
    ['--endpoint-url', endpoint(), 'sqs', 'get-queue-attributes', '--queue-url', url, '--attribute-names', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', '--output', 'json'],
    { env: AWS_ENV },
  ).toString();
  const a = JSON.parse(out).Attributes as Record<string, string>;
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, Number(v)]));
}

describe('workloads that look like the user’s', () => {
  it('--body-file: the user’s body travels as written, placeholders filled; the drain proves every one arrived', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wl-body-'));
    const file = join(dir, 'order.json');
    writeFileSync(file, '{"order":{{seq}},"id":"{{uuid}}","at":"{{now}}","note":"café \\"quoted\\""}');
    const prefix = uniquePrefix('wl-body');
    const [url] = await createQueues(sdk(), prefix, 1);
    const send = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--total', '30', '--body-file', file, '--message-attributes', '2', '--verify-md5', '--json', '--quiet']);
    expect(send.code, send.stderr).toBe(0);
    const seen = boto3ReadAll(url);
    expect(seen).toHaveLength(30);
    const bodies = seen.map((m) => JSON.parse(m.body));
    expect(bodies.map((b) => b.order).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(new Set(bodies.map((b) => b.id)).size).toBe(30);
    for (const b of bodies) {
      expect(b.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Date.parse(b.at)).toBeGreaterThan(Date.now() - 600_000);
      expect(b.note).toBe('café "quoted"');
    }
    for (const m of seen) {
      expect(Object.keys(m.attributes).sort()).toEqual(['blast-attr-1', 'blast-attr-2', 'sqs-blast']);
      const head = JSON.parse(m.attributes['sqs-blast'].StringValue);
      expect(head.seq).toBe(JSON.parse(m.body).order);
    }

    // Sent again, and drained by sqs-blast: every seq proven from the attribute alone.
    const again = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--total', '400', '--body-file', file, '--out', join(dir, 'send.json'), '--quiet']);
    expect(again.code, again.stderr).toBe(0);
    const drain = await runCli(['drain', '--endpoint', endpoint(), '--queue-prefix', prefix, '--expect', '400', '--wait-time', '1', '--out', join(dir, 'drain.json'), '--quiet']);
    expect(drain.code, drain.stderr).toBe(0);
    const report = await runCli(['report', join(dir, 'send.json'), join(dir, 'drain.json'), '--json']);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ sent: 400, distinct: 400, missing: 0, duplicates: 0, foreign: 0 });
  }, 120_000);

  it('mixed sizes within the range and spread, N attributes present, sizes and cost in the result', async () => {
    const prefix = uniquePrefix('wl-size');
    const [url] = await createQueues(sdk(), prefix, 1);
    const r = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--total', '300', '--message-size', '1KiB-64KiB', '--message-attributes', '4', '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.sent).toBe(300);
    const seen = boto3ReadAll(url);
    expect(seen).toHaveLength(300);
    const sizes = seen.map((m) => m.size);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(65536);
    // Spread over the range: both ends are visited and hardly two messages share a size.
    expect(Math.min(...sizes)).toBeLessThan(12 * 1024);
    expect(Math.max(...sizes)).toBeGreaterThan(54 * 1024);
    expect(new Set(sizes).size).toBeGreaterThan(250);
    for (const m of seen) {
      expect(Object.keys(m.attributes)).toHaveLength(4);
      expect(Object.values(m.attributes).map((a) => a.DataType).sort()).toEqual(['Number', 'Number', 'String', 'String']);
    }
    // The result's size buckets hold what boto3 saw, bucket by bucket.
    const bucketOf = (s: number) => `${2 ** Math.max(0, Math.ceil(Math.log2(s / 1024)))}KiB`;
    const expected: Record<string, number> = {};
    for (const s of sizes) expected[bucketOf(s)] = (expected[bucketOf(s)] ?? 0) + 1;
    expect(result.sizes).toEqual(expected);
    // Billed by the real bytes: every 64 KiB of a request's bodies and attributes is one request.
    const bytes = sizes.reduce((a, b) => a + b, 0);
    expect(result.cost.sendUnits).toBeGreaterThanOrEqual(Math.ceil(bytes / 65536));
    expect(result.cost.sendUnits).toBeLessThanOrEqual(Math.ceil(bytes / 65536) + result.cost.sendCalls);
  }, 120_000);

  it('batches of large mixed sizes are cut to stay under 1 MiB, and every message arrives (md5 checked)', async () => {
    const prefix = uniquePrefix('wl-big');
    const r = await runCli(['run', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--total', '200', '--message-size', '128KiB-256KiB', '--verify-md5', '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ sent: 200, failed: 0, distinct: 200, missing: 0 });
    // 10 messages of 128-256 KiB never fit one request: at least 2 per batch of 10, at most 10.
    expect(result.cost.sendCalls).toBeGreaterThanOrEqual(2 * 20);
    expect(result.errors).toEqual({});
  }, 120_000);

  it('FIFO --group-pattern hot:50: about half the messages in one group, every group still in order', async () => {
    const prefix = uniquePrefix('wl-hot');
    const run = await runCli(['run', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--fifo', '--total', '1000', '--groups', '4', '--concurrency', '4', '--message-size', '512', '--group-pattern', 'hot:50', '--wait-time', '1', '--json', '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ sent: 1000, distinct: 1000, missing: 0, orderViolations: 0 });

    const sendPrefix = uniquePrefix('wl-hot-groups');
    // One lane owns every group and takes the cold ones in turn: with four lanes each cold group
    // had one owner, and on a loaded machine a slow lane claimed so few of the 40 batches that all
    // of them could go hot, leaving its group empty (seen 2 of 3 full-suite runs beside CPU hogs).
    const send = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', sendPrefix, '--create-queues', '--fifo', '--total', '400', '--groups', '4', '--concurrency', '1', '--message-size', '512', '--group-pattern', 'hot:50', '--quiet']);
    expect(send.code, send.stderr).toBe(0);
    const url = (await sdk().send(new GetQueueUrlCommand({ QueueName: `${sendPrefix}-1.fifo` }))).QueueUrl!;
    const groups = boto3ReadAll(url).map((m) => m.group);
    expect(groups).toHaveLength(400);
    const hot = groups.filter((g) => g === 'g0').length;
    // 40 batches of 10, each hot with probability 1/2 (the cold ones in turn over g1-g3): ±3 σ.
    expect(hot).toBeGreaterThan(100);
    expect(hot).toBeLessThan(300);
    expect(new Set(groups).size).toBe(4);
  }, 120_000);

  it('delayed messages are counted as delayed by the queue', async () => {
    const prefix = uniquePrefix('wl-delay');
    const [url] = await createQueues(sdk(), prefix, 1);
    const r = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--total', '30', '--message-size', '512', '--delay-seconds', '120', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(awsQueueCounts(url)).toMatchObject({ ApproximateNumberOfMessagesDelayed: 30, ApproximateNumberOfMessages: 0 });
  }, 60_000);

  it('a slow consumer sees its messages come back: redelivered > 0 while distinct equals what was sent', async () => {
    const prefix = uniquePrefix('wl-slow');
    const send = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--total', '40', '--message-size', '1KiB', '--quiet']);
    expect(send.code, send.stderr).toBe(0);
    const html = join(mkdtempSync(join(tmpdir(), 'wl-')), 'slow.html');
    const drain = await runCli(['drain', '--endpoint', endpoint(), '--queue-prefix', prefix, '--expect', '40', '--process-time', '1500ms', '--visibility-timeout', '1', '--concurrency', '2', '--wait-time', '1', '--html', html, '--json']);
    expect(drain.code, drain.stderr).toBe(0);
    const result = JSON.parse(drain.stdout);
    expect(result.redelivered).toBeGreaterThan(0);
    expect(result.distinct).toBe(40);
    expect(result.missing).toBe(0);
    // Every redelivery is also a second sighting of a seq (a duplicate); first deliveries are exactly 40.
    expect(result.received - result.redelivered).toBe(40);
    expect(result.duplicates).toBe(result.received - 40);
    expect(drain.stderr).toMatch(new RegExp(`redelivered ${result.redelivered}\\b`));
    const page = (await import('node:fs')).readFileSync(html, 'utf8');
    expect(page).toContain('Redeliveries per second');
  }, 120_000);

  it('a heartbeat keeps slow messages invisible: no redelivery with --extend-visibility', async () => {
    const prefix = uniquePrefix('wl-beat');
    await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--total', '20', '--message-size', '1KiB', '--quiet']);
    // The heartbeat fires every half visibility: at 2 s that leaves a second for event-loop delay and
    // the server's reply on a busy machine (at 1 s, half a second); processing outlasts two visibilities.
    const drain = await runCli(['drain', '--endpoint', endpoint(), '--queue-prefix', prefix, '--expect', '20', '--process-time', '4500ms', '--visibility-timeout', '2', '--extend-visibility', '--concurrency', '2', '--wait-time', '1', '--json', '--quiet']);
    expect(drain.code, drain.stderr).toBe(0);
    const result = JSON.parse(drain.stdout);
    expect(result).toMatchObject({ distinct: 20, missing: 0, redelivered: 0, received: 20, deleted: 20 });
    expect(result.cost.visibilityUnits).toBeGreaterThan(0);
  }, 120_000);

  it('--delete none leaves every message in the queue; single deletes each on its own', async () => {
    const prefix = uniquePrefix('wl-del');
    const [url] = await createQueues(sdk(), prefix, 1);
    await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--total', '20', '--message-size', '512', '--quiet']);
    const none = JSON.parse((await runCli(['drain', '--endpoint', endpoint(), '--queue-prefix', prefix, '--expect', '20', '--delete', 'none', '--visibility-timeout', '1', '--wait-time', '1', '--json', '--quiet'])).stdout);
    expect(none).toMatchObject({ distinct: 20, deleted: 0 });
    const left = awsQueueCounts(url);
    expect(left.ApproximateNumberOfMessages + left.ApproximateNumberOfMessagesNotVisible).toBe(20);
    await new Promise((r) => setTimeout(r, 1500));
    const single = JSON.parse((await runCli(['drain', '--endpoint', endpoint(), '--queue-prefix', prefix, '--expect', '20', '--delete', 'single', '--process-time', 'uniform:5ms-50ms', '--wait-time', '1', '--json', '--quiet'])).stdout);
    expect(single).toMatchObject({ distinct: 20, deleted: 20 });
    expect(single.cost.deleteCalls).toBe(20);
    const after = awsQueueCounts(url);
    expect(after.ApproximateNumberOfMessages + after.ApproximateNumberOfMessagesNotVisible).toBe(0);
  }, 120_000);
});
