/**
 * The README's main latency claim, held to a test that can fail: with --rate, a batch's latency
 * counts from its intended start (the open model), so a server too slow for the rate shows as
 * latency instead of silently lowering the rate. Timed from the moment the call really left
 * (coordinated omission), the same run reads the server's own per-call time, ~40 ms here.
 *
 * One lane (--workers 1 --concurrency 1) and a proxy that holds every SendMessageBatch 40 ms:
 * at most 25 calls/s, 250 msg/s, against --rate 500, half the capacity the rate needs.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { proxiesPerTest } from './fault-proxy.js';
import { endpoint, runCli, uniquePrefix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-co-'));
const proxy = proxiesPerTest(endpoint);
const DELAY_MS = 40;
const RATE = 500;
const BATCHES = 100;

describe('coordinated omission', () => {
  it('at half the needed capacity, send latency counts from each batch’s intended start', async () => {
    const p = await proxy(24);
    p.rules = [{ fault: 'latency', p: 1, action: 'SendMessageBatch', ms: DELAY_MS }];
    const out = join(tmp, 'co.json');
    const run = await runCli([
      'send', '--endpoint', p.endpoint, '--queue-prefix', uniquePrefix('co'), '--create-queues', '--queues', '1',
      '--workers', '1', '--concurrency', '1', '--rate', String(RATE), '--total', String(BATCHES * 10),
      '--message-size', '256', '--out', out, '--quiet', '--result-line=false',
    ], { timeoutMs: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.sent).toBe(BATCHES * 10);
    expect(r.latency.count).toBe(BATCHES);
    // Batch k is due at k·20 ms (10 messages at 500 msg/s); one lane whose every call takes at
    // least 40 ms ends batch k no sooner than (k+1)·40 ms, so its latency is at least 20k + 40 ms.
    // These are lower bounds whatever the machine's load (a slower machine only adds to them):
    // the median batch (k = 50) waited at least 1,040 ms, the last (k = 99) at least 2,020 ms.
    const perBatchMs = (10 / RATE) * 1000;
    const floor = (k: number) => (k + 1) * DELAY_MS - k * perBatchMs;
    expect(r.latency.p50).toBeGreaterThanOrEqual(floor(BATCHES / 2) - 50);
    expect(r.latency.max).toBeGreaterThanOrEqual(floor(BATCHES - 1) - 50);
    // Every call took the proxy's 40 ms, so even the first batch reads no less.
    expect(r.latency.min).toBeGreaterThanOrEqual(DELAY_MS);
    // The rate fell to what one lane could do (≤ 250 msg/s): the run took ≥ 4 s, not the planned 2 s.
    expect(r.phases.send.endedAt - r.phases.send.startedAt).toBeGreaterThanOrEqual(BATCHES * DELAY_MS);
  });
});
