/**
 * --client sdk: the same loops, their calls carried by @aws-sdk/client-sqs. Integrity must hold
 * exactly as on the lean path, on either side and in a mixed pair (messages sent by one client,
 * drained by the other), against the real local server; nothing is mocked.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { proxiesPerTest } from './fault-proxy.js';
import { depth, endpoint, runCli, sdk, uniquePrefix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-sdkclient-'));
const FAST = ['--idle-timeout', '2', '--quiet'];

async function queuesEmpty(urls: string[]): Promise<void> {
  const client = sdk();
  const depths = await Promise.all(urls.map((u) => depth(client, u)));
  expect(depths).toEqual(urls.map(() => 0));
  client.destroy();
}

/** send with one client, drain with another, merge both: every message exactly once. */
async function pair(sendClient: string, drainClient: string, total: number, extra: string[] = [], waitTime = 1): Promise<void> {
  const prefix = uniquePrefix(`sdk-${sendClient}-${drainClient}`);
  const target = ['--endpoint', endpoint(), '--queues', '4', '--queue-prefix', prefix];
  const sendOut = join(tmp, `${prefix}-send.json`);
  const drainOut = join(tmp, `${prefix}-drain.json`);
  const send = await runCli(['send', ...target, '--create-queues', '--total', String(total), '--client', sendClient, ...extra, '--out', sendOut, '--quiet']);
  expect(send.stderr).toBe('');
  expect(send.code).toBe(0);
  const s = JSON.parse(readFileSync(sendOut, 'utf8'));
  expect(s).toMatchObject({ kind: 'send', attempted: total, sent: total, failed: 0 });
  expect(s.config.client).toBe(sendClient);
  if (sendClient === 'sdk') expect(send.stdout).toMatch(/^endpoint .*  client sdk$/m);

  const drain = await runCli(['drain', ...target, '--expect', String(total), '--client', drainClient, ...FAST, '--wait-time', String(waitTime), '--out', drainOut]);
  expect(drain.stderr).toBe('');
  expect(drain.code).toBe(0);
  const d = JSON.parse(readFileSync(drainOut, 'utf8'));
  expect(d).toMatchObject({ kind: 'drain', received: total, deleted: total, distinct: total, duplicates: 0, missing: 0, foreign: 0 });
  expect(d.config.client).toBe(drainClient);
  // Polls still open at --expect are cut: the SDK's abort must read as ours (Aborted ends a poller), not as an error.
  expect(d.errors).toEqual({});
  expect(s.errors).toEqual({});
  expect(d.endedAt - d.phases.drain.endedAt).toBeLessThan(6000);
  // Every head was read, so every message has its end-to-end latency.
  expect(d.e2eLatency.count).toBe(total);

  const report = await runCli(['report', sendOut, drainOut, '--json', '--threshold', 'missing==0']);
  expect(report.code, report.stderr).toBe(0);
  const merged = JSON.parse(report.stdout);
  expect(merged).toMatchObject({ sent: total, received: total, distinct: total, missing: 0, missingExact: true, duplicates: 0, failed: 0 });
  await queuesEmpty(s.queues.map((q: { url: string }) => q.url));
}

const proxy = proxiesPerTest(endpoint);

describe('--client sdk against the real local server', () => {
  it('send --client sdk + drain --client sdk: 5,000 messages, sent = received = distinct, none missing or twice, queues empty', async () => {
    // 10 s polls: those left waiting on the empty queues at --expect are cut through the SDK's abort.
    await pair('sdk', 'sdk', 5000, [], 10);
  });

  it('a mixed pair each way: lean send + sdk drain (with attributes, the SDK serialising them), sdk send (paced) + lean drain', async () => {
    await pair('lean', 'sdk', 3000, ['--message-attributes', '2']);
    await pair('sdk', 'lean', 3000, ['--message-attributes', '2', '--rate', '1500']);
  });

  it('the head in the sqs-blast attribute (--body-template) reads the same through the SDK', async () => {
    await pair('sdk', 'sdk', 1000, ['--body-template', '{"order":{{seq}},"id":"{{uuid}}"}']);
  });

  it('run --client sdk: both sides through the SDK, the integrity verdict exact', async () => {
    const prefix = uniquePrefix('sdk-run');
    const out = join(tmp, 'run.json');
    const run = await runCli(['run', '--endpoint', endpoint(), '--queues', '2', '--queue-prefix', prefix, '--create-queues', '--total', '4000', '--client', 'sdk', ...FAST, '--wait-time', '1', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r).toMatchObject({ kind: 'run', sent: 4000, failed: 0, received: 4000, deleted: 4000, distinct: 4000, duplicates: 0, missing: 0 });
    expect(r.config.client).toBe('sdk');
    await queuesEmpty(r.queues.map((q: { url: string }) => q.url));
  });

  it('through faults: the SDK retries throttles inside its calls (fewer seen than injected), resets and 5xx are still retried, nothing missing', async () => {
    const p = await proxy(7);
    p.rules = [
      { fault: 'throttle', p: 0.1, action: 'SendMessageBatch' },
      { fault: 'partialSend', p: 0.05, action: 'SendMessageBatch' },
      { fault: 'resetBefore', p: 0.03 },
      { fault: 'resetAfter', p: 0.03 },
      { fault: 'http503', p: 0.03 },
      { fault: 'partialDelete', p: 0.1, action: 'DeleteMessageBatch' },
    ];
    const prefix = uniquePrefix('sdk-faults');
    const run = await runCli([
      'run', '--endpoint', p.endpoint, '--queues', '2', '--queue-prefix', prefix, '--create-queues', '--total', '4000', '--client', 'sdk',
      '--max-retries', '10', '--visibility-timeout', '2', '--idle-timeout', '6', '--wait-time', '1', '--message-size', '1024', '--quiet', '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r).toMatchObject({ sent: 4000, failed: 0, distinct: 4000, missing: 0, failures: {} });
    expect(r.attempted).toBe(r.sent + r.failed);
    expect(r.duplicates).toBe(r.received - r.distinct);
    // The SDK's standard mode retried most throttles itself: only those it gave up on are errors here.
    const injected = p.injected['SendMessageBatch:throttle'];
    console.log(`--client sdk through faults: injected ${JSON.stringify(p.injected)}; seen errors ${JSON.stringify(r.errors)}, retries ${r.retries}, duplicates ${r.duplicates}`);
    expect(injected).toBeGreaterThan(10);
    expect(r.errors.ThrottlingException ?? 0).toBeLessThan(injected);
    // Entries a reply reports Failed are the batch caller's to retry, on either client.
    expect(r.errors.InternalError).toBeGreaterThan(0);
    expect(r.retries).toBeGreaterThan(0);
    const client = sdk();
    for (const q of r.queues) expect(await depth(client, q.url)).toBe(0);
  });

  it('a long poll gets its wait on top of --request-timeout through the SDK too: 3 s polls under a 1 s timeout, no error', async () => {
    const prefix = uniquePrefix('sdk-poll');
    const out = join(tmp, 'poll.json');
    const target = ['--endpoint', endpoint(), '--queues', '1', '--queue-prefix', prefix];
    expect((await runCli(['queues', 'create', ...target])).code).toBe(0);
    const run = await runCli(['drain', ...target, '--client', 'sdk', '--wait-time', '3', '--request-timeout', '1', '--duration', '7', '--concurrency', '2', '--quiet', '--out', out]);
    expect(run.stderr).toBe('');
    const d = JSON.parse(readFileSync(out, 'utf8'));
    expect(d.errors).toEqual({});
    expect(d.receiveCalls).toBeGreaterThanOrEqual(2);
    expect(d.emptyReceives).toBe(d.receiveCalls);
  });

  it('a bad --client (flag or SQS_BLAST_CLIENT) is one line naming the flag, exit 2, nothing sent', async () => {
    for (const [args, env] of [
      [['--client', 'boto3'], {}],
      [[], { SQS_BLAST_CLIENT: 'boto3' }],
    ] as const) {
      const r = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', uniquePrefix('sdk-bad'), '--total', '10', ...args], { env });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^.*--client \(env SQS_BLAST_CLIENT\) "boto3" is not a client; use lean .* or sdk /)]);
    }
  });
});
