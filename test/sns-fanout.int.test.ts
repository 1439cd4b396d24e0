/**
 * SNS fan-out on fauxqs's real SNS (same port as its SQS), nothing mocked: `queues create --topic
 * --subscribe 3` sets up a topic and three subscribed queues, `send --topic-arn` publishes with
 * PublishBatch, and `drain --fan-out` proves every message arrived on every subscription. A
 * separate boto3 process receives and deletes exactly K deliveries of one subscription's queue
 * behind the tool's back: the drain must report exactly K missing there, name that queue, and 0
 * on the others; with raw delivery on (our bodies) and off (SNS's JSON envelope). No timing is
 * asserted: the drain ends on --idle-timeout, 3 s with no message, which a busy box only lengthens.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Result } from '../src/result/document.js';
import { endpoint, runCli, uniquePrefix } from './helpers.js';

const K = 7;
const TOTAL = 200;

/** Receives and deletes exactly k messages of one queue (an independent client), and says what their bodies looked like. */
const DELETER = `
import boto3, json, sys
url, k = sys.argv[2], int(sys.argv[3])
sqs = boto3.client('sqs', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='x')
deleted, kinds = 0, set()
while deleted < k:
    r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(10, k - deleted), WaitTimeSeconds=1, VisibilityTimeout=60)
    for m in r.get('Messages', [])[: k - deleted]:
        body = json.loads(m['Body'])
        kinds.add('envelope' if body.get('Type') == 'Notification' else 'raw' if 'runId' in body else 'other')
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m['ReceiptHandle'])
        deleted += 1
print(json.dumps({'deleted': deleted, 'kinds': sorted(kinds)}))
`;

const run = promisify(execFile);

// Each client carries the publishes once: the lean path (sns/lean-wire.ts), the SNS SDK (--client sdk).
describe.each([
  ['raw delivery on, lean publishes', true, 'lean'],
  ['raw delivery off (the SNS envelope), SDK publishes', false, 'sdk'],
])('SNS fan-out to 3 queues, %s', (_label, raw, client) => {
  it(`counts ${K} deliveries deleted behind its back as missing on that subscription alone, and names it`, async () => {
    const prefix = uniquePrefix(raw ? 'fanraw' : 'fanenv');
    const topic = `${prefix}-topic`;
    const dir = mkdtempSync(join(tmpdir(), 'sqs-blast-sns-'));
    const create = await runCli(['queues', 'create', '--endpoint', endpoint(), '--topic', topic, '--subscribe', '3', '--queue-prefix', prefix, ...(raw ? ['--raw-delivery'] : [])]);
    expect(create.code, create.stderr).toBe(0);
    const arn = /arn:aws:sns:\S+/.exec(create.stdout.split('\n').find((l) => l.includes(' topic '))!)![0];
    expect(create.stdout.split('\n').filter((l) => l.includes(raw ? 'subscribed (raw)' : 'subscribed (envelope)'))).toHaveLength(3);

    const runId = `r${Date.now().toString(36)}`;
    const sent = await runCli(['send', '--endpoint', endpoint(), '--topic-arn', arn, '--total', String(TOTAL), '--message-size', '1024', '--concurrency', '4', '--workers', '1', '--client', client, '--run-id', runId, '--out', join(dir, 'send.json')]);
    expect(sent.code, sent.stderr).toBe(0);
    const send = JSON.parse(readFileSync(join(dir, 'send.json'), 'utf8')) as Result;
    expect(send.sent).toBe(TOTAL);
    // 20 PublishBatch calls of 10 x 1 KB (one SNS request each), 200 x 3 SQS deliveries.
    expect(send.cost.publishUnits).toBe(TOTAL / 10);
    expect(send.cost.deliveryUnits).toBe(TOTAL * 3);
    expect(sent.stdout).toContain(`topic ${arn}`);

    const victim = `${prefix}-2`;
    const deleter = await run('python3', ['-c', DELETER, endpoint(), `${endpoint()}/000000000000/${victim}`, String(K)]);
    const said = JSON.parse(deleter.stdout) as { deleted: number; kinds: string[] };
    expect(said).toEqual({ deleted: K, kinds: [raw ? 'raw' : 'envelope'] });

    const drained = await runCli(['drain', '--endpoint', endpoint(), '--fan-out', '--queues', '3', '--queue-prefix', prefix, '--idle-timeout', '3', '--wait-time', '1', '--workers', '1', '--out', join(dir, 'drain.json')]);
    // Messages missing: exit 1, and the verdict names where.
    expect(drained.code, drained.stderr).toBe(1);
    expect(drained.stdout).toContain(`FAIL  exit 1: ${K} missing (on ${victim})`);
    expect(drained.stdout).toContain(`lost on    ${victim} (${K} missing)`);
    const drain = JSON.parse(readFileSync(join(dir, 'drain.json'), 'utf8')) as Result;
    expect(drain.missing).toBe(K);
    expect(drain.duplicates).toBe(0);
    expect(drain.foreign).toBe(0);
    expect(drain.received).toBe(TOTAL * 3 - K);
    expect(drain.fanOut!.lost).toEqual([victim]);
    expect(drain.fanOut!.subscriptions.map((s) => [s.queue, s.distinct, s.duplicates, s.missing, s.e2eLatency?.count])).toEqual([
      [`${prefix}-1`, TOTAL, 0, 0, TOTAL],
      [victim, TOTAL - K, 0, K, TOTAL - K],
      [`${prefix}-3`, TOTAL, 0, 0, TOTAL],
    ]);

    // Merged with the send's result, missing is what SNS acknowledged and a subscription never saw.
    const merged = await runCli(['report', join(dir, 'send.json'), join(dir, 'drain.json'), '--out', join(dir, 'merged.json')]);
    expect(merged.code).toBe(1);
    const m = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as Result;
    expect([m.sent, m.missing, m.duplicates, m.fanOut!.lost]).toEqual([TOTAL, K, 0, [victim]]);
    expect(m.fanOut!.subscriptions.map((s) => s.missing)).toEqual([0, K, 0]);
  }, 120_000);
});

describe('send --topic-arn refuses what SNS would', () => {
  it('a batch over 256 KiB, in one line naming the flag and the fix (before any call)', async () => {
    const arn = 'arn:aws:sns:us-east-1:000000000000:nowhere';
    const r = await runCli(['send', '--endpoint', endpoint(), '--topic-arn', arn, '--message-size', '30000', '--total', '10']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      "sqs-blast: --batch-size 10 x --message-size 30000 is over SNS's 256 KiB (262144 bytes) per PublishBatch: lower --message-size to at most 26214 bytes, or --batch-size",
    ]);
    const env = await runCli(['send', '--endpoint', endpoint(), '--total', '10'], { env: { SQS_BLAST_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:nowhere' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^sqs-blast: topic arn:aws:sns:us-east-1:000000000000:nowhere does not exist; create it with sqs-blast queues create --topic NAME --subscribe N/);
  }, 60_000);
});
