/**
 * SQS under stress meets throttling, 5xx, resets and partial batch failures. Through a
 * fault-injecting proxy, every message must end up acknowledged or counted failed, redeliveries
 * must show as duplicates (never hidden), and nothing may go missing.
 */
import { describe, expect, it } from 'vitest';
import { mergeResults } from '../src/report/merge.js';
import type { Result } from '../src/result/document.js';
import { proxiesPerTest } from './fault-proxy.js';
import { depth, endpoint, runCli, sdk, uniquePrefix } from './helpers.js';


/** One row of the scenario table the closing note of the reliability work reports. */
function row(scenario: string, r: { attempted?: number; planned?: number | null; sent: number; failed: number }, d: { duplicates: number; missing: number }): void {
  console.log(`| ${scenario} | ${r.planned ?? r.attempted} | ${r.sent} | ${r.failed} | ${d.duplicates} | ${d.missing} |`);
}
const proxy = proxiesPerTest(endpoint);

function json(stdout: string): Result {
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`not a JSON result: ${stdout.slice(0, 500)}`);
  }
}
const OUT = ['--json', '--quiet'];
const SMALL = ['--message-size', '1024', ...OUT];

/** Drain straight from the server (no faults) and return the tool's verdict. */
async function drainDirect(prefix: string, queues: number) {
  const d = await runCli(['drain', '--endpoint', endpoint(), '--queues', String(queues), '--queue-prefix', prefix, '--wait-time', '1', '--idle-timeout', '2', ...OUT]);
  if (!d.stdout) throw new Error(`drain failed: ${d.stderr}`);
  return json(d.stdout);
}

describe('reliability through a fault-injecting proxy', () => {
  it('10% throttling (and partial batch failures) on send: every message accounted, duplicates admitted', async () => {
    const p = await proxy(1);
    p.rules = [
      { fault: 'throttle', p: 0.07, action: 'SendMessageBatch' },
      { fault: 'requestThrottled', p: 0.03, action: 'SendMessageBatch' },
      { fault: 'partialSend', p: 0.05, action: 'SendMessageBatch' },
    ];
    const prefix = uniquePrefix('throttle');
    const run = await runCli(['send', '--endpoint', p.endpoint, '--queues', '2', '--queue-prefix', prefix, '--create-queues', '--total', '5000', '--max-retries', '10', ...SMALL]);
    expect(run.code, run.stderr).toBe(0);
    const s = json(run.stdout);
    expect(s.attempted).toBe(s.sent + s.failed);
    expect(s.sent).toBe(5000);
    expect(s.errors.ThrottlingException).toBeGreaterThan(0);
    expect(s.errors.RequestThrottled).toBeGreaterThan(0);
    expect(s.errors.InternalError).toBeGreaterThan(0); // the partially failed entries
    expect(s.retries).toBeGreaterThan(0);
    expect(p.injected['SendMessageBatch:throttle']).toBe(s.errors.ThrottlingException);

    // An independent count of the queues: what was acknowledged, plus the duplicates that
    // retrying a stored-but-reported-failed entry creates, and nothing else.
    const client = sdk();
    const stored = (await depth(client, s.queues[0].url)) + (await depth(client, s.queues[1].url));
    const d = await drainDirect(prefix, 2);
    expect(d).toMatchObject({ received: stored, missing: 0, distinct: 5000 });
    expect(d.duplicates).toBe(stored - 5000);
    expect(d.duplicates).toBeGreaterThan(0); // partialSend stored entries it called failed
    row('send, 10% throttling + 5% partial batch failures', s, d);
  });

  it('resets and 5xx on both sides, delete failures: redeliveries are duplicates, queues end empty, missing 0', async () => {
    const p = await proxy(2);
    p.rules = [
      { fault: 'resetBefore', p: 0.03 },
      { fault: 'resetAfter', p: 0.03 },
      { fault: 'http500', p: 0.03 },
      { fault: 'http503', p: 0.03 },
      { fault: 'partialDelete', p: 0.1, action: 'DeleteMessageBatch' },
      { fault: 'latency', p: 0.05, ms: 200 },
    ];
    const prefix = uniquePrefix('chaos');
    const run = await runCli([
      'run', '--endpoint', p.endpoint, '--queues', '2', '--queue-prefix', prefix, '--create-queues', '--total', '4000',
      '--max-retries', '10', '--visibility-timeout', '2', '--idle-timeout', '6', '--wait-time', '1', ...SMALL,
    ]);
    const r = json(run.stdout);
    expect(r.attempted).toBe(r.sent + r.failed);
    expect(r.failures).toEqual({});
    expect(r.failed).toBe(0);
    expect(r.sent).toBe(4000);
    expect(r.missing).toBe(0);
    expect(r.distinct).toBe(4000);
    expect(r.duplicates).toBe(r.received - r.distinct);
    expect(r.duplicates).toBeGreaterThan(0); // resets after the server acted, failed deletes
    expect(r.deleteFailed + r.errors.ECONNRESET).toBeGreaterThan(0);
    for (const code of ['InternalError', 'ServiceUnavailable', 'ECONNRESET']) expect(r.errors[code], code).toBeGreaterThan(0);
    expect(run.code, run.stderr).toBe(0);
    // Redelivered copies were drained too: nothing is left behind.
    const client = sdk();
    for (const q of r.queues) expect(await depth(client, q.url)).toBe(0);
    row('run, resets before/after + 500/503 + delete failures + latency', r, r);
  });

  it('batch replies that leave entries out: those entries are retried, never dropped from the count', async () => {
    const p = await proxy(4);
    p.rules = [
      { fault: 'incompleteReply', p: 0.1, action: 'SendMessageBatch' },
      { fault: 'incompleteReply', p: 0.1, action: 'DeleteMessageBatch' },
    ];
    const prefix = uniquePrefix('incomplete');
    const run = await runCli([
      'run', '--endpoint', p.endpoint, '--queues', '2', '--queue-prefix', prefix, '--create-queues', '--total', '3000',
      '--max-retries', '10', '--idle-timeout', '4', '--wait-time', '1', ...SMALL,
    ]);
    const r = json(run.stdout);
    expect(p.injected['SendMessageBatch:incompleteReply']).toBeGreaterThan(0);
    expect(p.injected['DeleteMessageBatch:incompleteReply']).toBeGreaterThan(0);
    expect(r.errors.IncompleteReply).toBeGreaterThan(0);
    // Every send entry is acknowledged in the end; the left-out ones were stored, so their retries are duplicates.
    expect(r).toMatchObject({ attempted: 3000, sent: 3000, failed: 0, missing: 0, distinct: 3000 });
    expect(r.duplicates).toBeGreaterThan(0);
    // Every received message was deleted or counted as not deleted.
    expect(r.deleted + r.deleteFailed).toBe(r.received);
    expect(run.code, run.stderr).toBe(0);
    row('run, 10% of batch replies leave a third of their entries out', r, r);
  });

  it('the server going away mid-run and coming back: retries carry the run through', async () => {
    const p = await proxy(3);
    const prefix = uniquePrefix('restart');
    let bounced = false;
    const run = runCli(
      ['send', '--endpoint', p.endpoint, '--queue-prefix', prefix, '--create-queues', '--total', '20000', '--max-retries', '8',
        '--message-size', '1024', '--json', '--progress-interval', '0.2'],
      {
        onStderr: (chunk) => {
          if (!bounced && /sent [1-9]/.test(chunk)) {
            bounced = true;
            const port = p.port;
            void p.kill().then(() => setTimeout(() => void p.start(port), 800));
          }
        },
      },
    );
    const result = await run;
    expect(bounced).toBe(true);
    const r = json(result.stdout);
    expect(r.attempted).toBe(r.sent + r.failed);
    expect(r.errors.ECONNREFUSED ?? 0).toBeGreaterThan(0);
    expect(r.sent + r.failed).toBe(20000);
    const d = await drainDirect(prefix, 1);
    expect(d.distinct).toBe(20000 - d.missing);
    expect(d.distinct).toBeGreaterThanOrEqual(r.sent); // every acknowledged message is there
    row('send, server gone ~0.8 s mid-run and back', r, d);
  });

  it('the server gone for good: gives up after --give-up-after with a clear error, and reports', async () => {
    const p = await proxy(4);
    const prefix = uniquePrefix('gone');
    let killed = false;
    const started = Date.now();
    const run = await runCli(
      ['send', '--endpoint', p.endpoint, '--queue-prefix', prefix, '--create-queues', '--total', '1000000', '--give-up-after', '3',
        '--message-size', '1024', '--json', '--progress-interval', '0.2'],
      {
        onStderr: (chunk) => {
          if (!killed && /sent [1-9]/.test(chunk)) {
            killed = true;
            void p.kill();
          }
        },
      },
    );
    expect(killed).toBe(true);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/giving up: no call succeeded for \d+ s/);
    const r = json(run.stdout);
    expect(r.abandoned).toMatch(/no call succeeded/);
    expect(r.attempted).toBe(r.sent + r.failed);
    expect(r.sent).toBeGreaterThan(0);
  });

  it('a stalled server: calls time out after --request-timeout and are retried; long polls are not cut short', async () => {
    const p = await proxy(5);
    p.rules = [{ fault: 'stall', p: 0.2, action: 'SendMessageBatch' }];
    const prefix = uniquePrefix('stall');
    const run = await runCli(['send', '--endpoint', p.endpoint, '--queue-prefix', prefix, '--create-queues', '--total', '500', '--concurrency', '8', '--request-timeout', '1', '--max-retries', '10', ...SMALL]);
    expect(run.code, run.stderr).toBe(0);
    const r = json(run.stdout);
    expect(r.sent).toBe(500);
    expect(r.errors.TimeoutError).toBeGreaterThan(0);
    expect(r.latency?.max).toBeGreaterThanOrEqual(1000);

    // An empty queue: 2-second long polls with a 1-second request timeout must wait, not fail.
    const empty = uniquePrefix('longpoll');
    const d = await runCli(['drain', '--endpoint', p.endpoint, '--queue-prefix', empty, '--create-queues', '--wait-time', '2', '--request-timeout', '1', '--idle-timeout', '4', ...OUT]);
    const dr = json(d.stdout);
    expect(dr.errors).toEqual({});
    expect(dr.emptyReceives).toBeGreaterThan(0);
  });

  it('SIGTERM at random points of a faulty run: report written, every message counted', async () => {
    for (const delayMs of [300, 900, 1700]) {
      const p = await proxy(10 + delayMs);
      p.rules = [{ fault: 'throttle', p: 0.1 }, { fault: 'latency', p: 0.2, ms: 150 }];
      const prefix = uniquePrefix('term');
      let sent = false;
      let armed = false;
      const run = await runCli(
        ['run', '--endpoint', p.endpoint, '--queue-prefix', prefix, '--create-queues', '--total', '100000', '--wait-time', '1', '--grace', '5',
          '--message-size', '1024', '--json', '--progress-interval', '0.2'],
        {
          // Once the load runs (the first status line), signal it some way into the run.
          onStderr: (chunk, child) => {
            if (armed || !chunk.includes('[')) return;
            armed = true;
            setTimeout(() => {
              sent = true;
              child.kill('SIGTERM');
            }, delayMs);
          },
        },
      );
      expect(sent, run.stderr.slice(-1500)).toBe(true);
      expect(run.code, run.stderr.slice(-1500)).toBe(143);
      const r = json(run.stdout);
      expect(r.interrupted).toBe('SIGTERM');
      expect(r.attempted).toBe(r.sent + r.failed);
      expect(r.deleted + r.deleteFailed).toBe(r.received);
      // Nothing was deleted without being counted: what left the queue is what the drain received.
      const left = await depth(sdk(), r.queues[0].url);
      const d = await drainDirect(prefix, 1);
      expect(d.received).toBe(left);
      // Every acknowledged message was seen by one of the two drains (bitmaps merged exactly).
      expect(mergeResults([r, d]).distinct).toBeGreaterThanOrEqual(r.sent);
    }
  });
});
