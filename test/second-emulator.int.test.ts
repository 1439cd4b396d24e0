/**
 * The integrity path on a second, stricter emulator (issue #22, item 5): local-aws-sqs in-process
 * (test/strict-sqs.ts), with AWS's lazy queues on, so every --create-queues run also waits out a
 * new queue's first second. fauxqs is the suite's server; this file is a compact matrix of what
 * must hold on any SQS: send, drain, run, FIFO, `--client sdk`, faults through the fault proxy,
 * and the slow consumer whose receipt handles run out, which only this server refuses as AWS does.
 * Totals are small: the file's cost is mostly the CLI's start-up and the lazy-queue waits.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../src/result/document.js';
import { proxiesPerTest } from './fault-proxy.js';
import { depth, runCli, sdk, uniquePrefix } from './helpers.js';
import { startStrictSqs, type StrictSqs } from './strict-sqs.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-second-'));
const FAST = ['--wait-time', '1', '--idle-timeout', '3', '--quiet'];

/** The one line a --create-queues run may print on this server: its lazy queues answer after ~1 s. */
const LAZY_LINE = /^sqs-blast: queue \S+ was created but does not answer yet \(a new SQS queue can take about a second\): waiting up to 30 s$/;
const onlyLazyLines = (stderr: string) => stderr.split('\n').filter((l) => l && !LAZY_LINE.test(l));

describe('on local-aws-sqs, a second and stricter emulator', () => {
  let server: StrictSqs;
  beforeAll(async () => {
    server = await startStrictSqs();
  });
  afterAll(async () => server?.stop());
  const target = (prefix: string, queues = 2) => ['--endpoint', server.endpoint, '--queues', String(queues), '--queue-prefix', prefix];
  const read = (file: string): Result => JSON.parse(readFileSync(file, 'utf8'));
  async function queuesEmpty(r: Result): Promise<void> {
    const client = sdk(server.endpoint);
    expect(await Promise.all(r.queues.map((q) => depth(client, q.url)))).toEqual(r.queues.map(() => 0));
    client.destroy();
  }

  it('lean send, --client sdk drain: 2,000 over 3 queues, the merged report exact, the queues empty', async () => {
    const prefix = uniquePrefix('second-pair');
    const [sendOut, drainOut] = [join(tmp, `${prefix}-send.json`), join(tmp, `${prefix}-drain.json`)];
    const send = await runCli(['send', ...target(prefix, 3), '--create-queues', '--total', '2000', '--message-size', '2KiB', '--out', sendOut, '--quiet']);
    // The new queues answered only after their first second, and the send waited: three queues, one line.
    expect(send.stderr.trim().split('\n')).toEqual([expect.stringMatching(LAZY_LINE)]);
    expect(send.stderr).toMatch(new RegExp(`^sqs-blast: queue ${prefix}-[123] was created`));
    expect(send.code).toBe(0);
    expect(read(sendOut)).toMatchObject({ sent: 2000, failed: 0, attempted: 2000, errors: {} });
    const drain = await runCli(['drain', ...target(prefix, 3), '--expect', '2000', '--client', 'sdk', ...FAST, '--out', drainOut]);
    expect(drain.stderr).toBe('');
    expect(drain.code).toBe(0);
    const d = read(drainOut);
    expect(d).toMatchObject({ received: 2000, deleted: 2000, distinct: 2000, duplicates: 0, redelivered: 0, missing: 0, deleteFailed: 0, errors: {} });
    expect(d.e2eLatency?.count).toBe(2000);
    const report = await runCli(['report', sendOut, drainOut, '--json', '--threshold', 'missing==0']);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ sent: 2000, received: 2000, distinct: 2000, missing: 0, missingExact: true, duplicates: 0 });
    await queuesEmpty(d);
  });

  it('run, lean, mixed sizes and attributes: the MD5s this server computes match ours', async () => {
    const prefix = uniquePrefix('second-md5');
    const out = join(tmp, `${prefix}.json`);
    const run = await runCli(['run', ...target(prefix), '--create-queues', '--total', '600', '--message-size', '1KiB-64KiB', '--message-attributes', '3', '--verify-md5', ...FAST, '--out', out]);
    expect(onlyLazyLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const r = read(out);
    expect(r).toMatchObject({ sent: 600, failed: 0, received: 600, distinct: 600, duplicates: 0, missing: 0, errors: {} });
    expect(Object.keys(r.sizes).length).toBeGreaterThan(1);
    await queuesEmpty(r);
  });

  // One poller per queue in both FIFO drains: this server does not hold a group back while some of
  // its messages are in flight (SQS does), so two pollers of one queue could take one group's
  // messages at once and their replies land out of order (30-70 of 800 did with the SDK's slower
  // calls at the default 8 pollers). That is the emulator's gap, not the tool's.
  it('FIFO: --client sdk send (with attributes) + lean drain, then run --client sdk: every group in order, nothing missing or twice', async () => {
    const prefix = uniquePrefix('second-fifo');
    const [sendOut, drainOut] = [join(tmp, `${prefix}-send.json`), join(tmp, `${prefix}-drain.json`)];
    const fifo = [...target(prefix), '--fifo'];
    const send = await runCli(['send', ...fifo, '--groups', '4', '--create-queues', '--total', '400', '--message-size', '512', '--message-attributes', '2', '--client', 'sdk', '--out', sendOut, '--quiet']);
    expect(send.code, send.stderr).toBe(0);
    expect(read(sendOut)).toMatchObject({ sent: 400, failed: 0, errors: {} });
    const drain = await runCli(['drain', ...fifo, '--expect', '400', '--concurrency', '1', ...FAST, '--out', drainOut]);
    expect(drain.stderr).toBe('');
    expect(drain.code).toBe(0);
    expect(read(drainOut)).toMatchObject({ received: 400, distinct: 400, duplicates: 0, missing: 0, orderViolations: 0, errors: {} });

    const out = join(tmp, `${prefix}-run.json`);
    const run = await runCli(['run', ...fifo, '--queue-prefix', `${prefix}-run`, '--groups', '4', '--create-queues', '--total', '400', '--message-size', '512', '--client', 'sdk', '--drain-concurrency', '1', ...FAST, '--out', out]);
    expect(onlyLazyLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const r = read(out);
    expect(r).toMatchObject({ sent: 400, received: 400, distinct: 400, duplicates: 0, missing: 0, orderViolations: 0, errors: {} });
    await queuesEmpty(r);
  });

  describe('through the fault proxy', () => {
    const proxy = proxiesPerTest(() => server.endpoint);
    it('throttles, partial batches, resets and 5xx on both sides: every message accounted, nothing missing, the queues empty', async () => {
      const p = await proxy(22);
      p.rules = [
        { fault: 'throttle', p: 0.05, action: 'SendMessageBatch' },
        { fault: 'partialSend', p: 0.05, action: 'SendMessageBatch' },
        { fault: 'resetBefore', p: 0.03 },
        { fault: 'resetAfter', p: 0.03 },
        { fault: 'http503', p: 0.03 },
        { fault: 'partialDelete', p: 0.1, action: 'DeleteMessageBatch' },
      ];
      const prefix = uniquePrefix('second-faults');
      const run = await runCli([
        'run', '--endpoint', p.endpoint, '--queues', '2', '--queue-prefix', prefix, '--create-queues', '--total', '2000',
        '--max-retries', '10', '--visibility-timeout', '2', '--idle-timeout', '6', '--wait-time', '1', '--message-size', '1024', '--quiet', '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const r: Result = JSON.parse(run.stdout);
      expect(r).toMatchObject({ sent: 2000, failed: 0, distinct: 2000, missing: 0, failures: {} });
      expect(r.attempted).toBe(r.sent + r.failed);
      expect(r.duplicates).toBe(r.received - r.distinct);
      for (const code of ['ThrottlingException', 'InternalError', 'ServiceUnavailable']) expect(r.errors[code], code).toBeGreaterThan(0);
      expect(r.retries).toBeGreaterThan(0);
      await queuesEmpty(r);
    });
  });

  it('a slow FIFO consumer: the server refuses deletes whose handle ran out, counted as delete failures and redeliveries, never as losses', async () => {
    // 1.5 s of processing under a 1 s visibility timeout: each batch is visible again before its
    // delete, which SQS (and this server) refuses on FIFO queues; those messages come back.
    const prefix = uniquePrefix('second-slow');
    const send = await runCli(['send', ...target(prefix, 1), '--fifo', '--create-queues', '--total', '20', '--message-size', '1KiB', '--quiet']);
    expect(send.code, send.stderr).toBe(0);
    const refused = await runCli(['drain', ...target(prefix, 1), '--fifo', '--expect', '20', '--process-time', '1500ms', '--visibility-timeout', '1', '--concurrency', '1', '--wait-time', '1', '--json', '--quiet']);
    expect(refused.code, refused.stderr).toBe(0);
    const f: Result = JSON.parse(refused.stdout);
    expect(f).toMatchObject({ distinct: 20, missing: 0, failed: 0 });
    expect(f.deleteFailed).toBeGreaterThan(0);
    expect(f.deleteFailed).toBe(f.received - f.deleted);
    expect(f.errors.InvalidParameterValue).toBe(f.deleteFailed);
    // Read from ApproximateReceiveCount, which this server returns only to the older AttributeNames.
    expect(f.redelivered).toBeGreaterThan(0);
    expect(f.duplicates).toBe(f.received - 20);
    // What was not deleted is still there, and a consumer that keeps up takes it: each one a redelivery.
    const rest = await runCli(['drain', ...target(prefix, 1), '--fifo', '--concurrency', '1', '--wait-time', '1', '--idle-timeout', '2', '--json', '--quiet']);
    expect(rest.code, rest.stderr).toBe(0);
    const r: Result = JSON.parse(rest.stdout);
    expect(r.received).toBe(20 - f.deleted);
    expect(r.redelivered).toBe(r.received);
    expect(r).toMatchObject({ deleteFailed: 0, orderViolations: 0 });
    await queuesEmpty(r);
  });
});
