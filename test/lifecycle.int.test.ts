/**
 * AWS's queue lifecycle, against an emulator that keeps it (test/strict-sqs.ts): a created queue
 * answers QueueDoesNotExist for about a second, and a deleted queue's name is refused (60 s on
 * SQS; 20 s here, HOLD_MS). sqs-blast waits both out (saying so once), or with --no-wait fails at
 * once. Setup calls retry throttling (fauxqs behind the fault proxy, which throttles as SQS does
 * under load).
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.js';
import { endpoint, runCli, uniquePrefix } from './helpers.js';
import { startStrictSqs, type StrictSqs } from './strict-sqs.js';

const DELETED_LINE = (name: string) =>
  `sqs-blast: queue ${name} was deleted less than 60 s ago; SQS refuses its name until then: waiting (--no-wait to fail at once)`;

/** The lines of `stderr` that match. */
const linesMatching = (stderr: string, re: RegExp) => stderr.split('\n').filter((l) => re.test(l));

/**
 * How long the emulator refuses a deleted name. The wait is the same loop whatever its length (a
 * CreateQueue every 2 s until the name is free), so a test need not sit out SQS's whole minute.
 * It must outlast the two --no-wait refusals below, which must come within 15 s: 20 s holds that
 * with 5 s to spare even when each CLI start takes 5 s on a busy machine (0.5-1 s quiet).
 */
const HOLD_MS = 20_000;

describe('queue lifecycle on a strict emulator', () => {
  let strict: StrictSqs;
  beforeAll(async () => {
    strict = await startStrictSqs({ deletedNameHoldMs: HOLD_MS });
  });
  afterAll(async () => strict?.stop());

  // A new queue's first second (send --create-queues waits, one line for all queues): in
  // test/second-emulator.int.test.ts, whose runs all meet it on this same server.

  it('delete then create at once: --no-wait fails fast with one line, exit 2; without it the hold is waited out', async () => {
    const p = uniquePrefix('reuse');
    const target = ['--endpoint', strict.endpoint, '--queues', '2', '--queue-prefix', p];
    const first = await runCli(['queues', 'create', ...target]);
    expect(first.code, first.stderr).toBe(0);
    const del = await runCli(['queues', 'delete', ...target, '--yes']);
    expect(del.code, del.stderr).toBe(0);

    // While SQS holds the names: refused at once, by the flag and by SQS_BLAST_WAIT alike.
    const started = Date.now();
    const noWait = await runCli(['queues', 'create', ...target, '--no-wait']);
    expect(noWait.code).toBe(2);
    expect(noWait.stderr.trim().split('\n')).toEqual([
      `sqs-blast: queue ${p}-1 was deleted less than 60 s ago and SQS refuses its name until then; try again in a minute, or drop --no-wait (SQS_BLAST_WAIT=false) to wait it out`,
    ]);
    const load = await runCli(['send', ...target, '--create-queues', '--total', '10', '--quiet'], { env: { SQS_BLAST_WAIT: 'false' } });
    expect(load.code).toBe(2);
    expect(load.stderr).toMatch(/^sqs-blast: queue \S+ was deleted less than 60 s ago and SQS refuses its name until then; try again in a minute, or drop --no-wait/);
    expect(load.stdout).not.toMatch(/SQS_BLAST_RESULT/);
    expect(Date.now() - started).toBeLessThan(15_000);

    const waited = await runCli(['queues', 'create', ...target]);
    expect(waited.code, waited.stderr).toBe(0);
    // It waited: the names came free no sooner than the hold after the delete.
    expect(Date.now() - started).toBeGreaterThanOrEqual(HOLD_MS - 1000);
    expect(waited.stdout.match(/created/g)).toHaveLength(2);
    // One line for both queues' waits.
    expect(linesMatching(waited.stderr, /was deleted less than 60 s ago/)).toEqual([DELETED_LINE(`${p}-1`)]);
    // And the queues it made answer.
    const client = new SQSClient({ endpoint: strict.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const url = (await client.send(new GetQueueUrlCommand({ QueueName: `${p}-2` }))).QueueUrl!;
    expect((await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn).toMatch(new RegExp(`:${p}-2$`));
    client.destroy();
  }, 90_000);
});

describe('queue setup under throttling', () => {
  it('queues create retries throttled calls, as --create-queues does', async () => {
    const proxy = new FaultProxy(endpoint());
    await proxy.start();
    // A third of the setup calls throttled, both of SQS's ways of saying so.
    proxy.rules = [
      { fault: 'throttle', p: 0.3, action: 'CreateQueue' },
      { fault: 'requestThrottled', p: 0.3, action: 'GetQueueUrl' },
    ];
    try {
      const p = uniquePrefix('throttled');
      const run = await runCli(['queues', 'create', '--endpoint', proxy.endpoint, '--queues', '4', '--queue-prefix', p, '--dlq']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.match(/created/g)).toHaveLength(8);
      expect(proxy.injected['CreateQueue:throttle']).toBeGreaterThan(0);
      expect(proxy.injected['GetQueueUrl:requestThrottled']).toBeGreaterThan(0);
      const load = await runCli(['send', '--endpoint', proxy.endpoint, '--queues', '4', '--queue-prefix', uniquePrefix('throttledrun'), '--create-queues', '--total', '40', '--quiet']);
      expect(load.code, load.stderr).toBe(0);
    } finally {
      await proxy.kill();
    }
  });
});
