/**
 * --metrics-port against the real local server: /metrics is scraped while a run goes on and parsed
 * with a real Prometheus text parser; counters grow, and the scrape after the result is in equals
 * the result JSON (counts, errors, histogram counts).
 */
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decode } from '../src/metrics/histogram.js';
import { LATENCY_NAMES } from '../src/metrics/latencies.js';
import { endpoint, resultFrom, runCli, uniquePrefix } from './helpers.js';
import { scrape, type Scrape } from './scrape.js';

const COUNTERS = {
  sqs_blast_messages_sent_total: 'sent',
  sqs_blast_messages_failed_total: 'failed',
  sqs_blast_messages_received_total: 'received',
  sqs_blast_messages_deleted_total: 'deleted',
  sqs_blast_messages_duplicates_total: 'duplicates',
  sqs_blast_retries_total: 'retries',
} as const;
const HISTOGRAMS = {
  sqs_blast_send_batch_duration_seconds: 'sendCall',
  sqs_blast_receive_call_duration_seconds: 'receiveCall',
  sqs_blast_end_to_end_latency_seconds: 'e2e',
  sqs_blast_delete_call_duration_seconds: 'deleteCall',
} as const;

/** Scrapes every 300 ms from the URL's announcement until the result is in, then once more. */
async function watch(args: string[]) {
  const live: Scrape[] = [];
  let final: Scrape | undefined;
  let url: string | undefined;
  let resultIn = false;
  let loop: Promise<void> | undefined;
  const poll = async () => {
    while (!resultIn) {
      live.push(await scrape(url!));
      await new Promise((r) => setTimeout(r, 300));
    }
    final = await scrape(url!);
  };
  const run = await runCli(args, {
    env: { AWS_ENDPOINT_URL_SQS: endpoint() },
    onStderr: (chunk: string, _child: ChildProcess) => {
      url ??= /Prometheus metrics at (http:\S+)/.exec(chunk)?.[1];
      if (url && !loop) loop = poll();
      if (/stay up/.test(chunk)) resultIn = true;
    },
  });
  await loop;
  return { run, live, final: final! };
}

describe('Prometheus /metrics', () => {
  it('grows during a run and its last scrape equals the result JSON', async () => {
    const prefix = uniquePrefix('prom');
    const { run, live, final } = await watch([
      'run', '--create-queues', '--queue-prefix', prefix, '--queues', '2', '--total', '30000', '--rate', '6000',
      '--metrics-port', '0', '--metrics-linger', '3', '--depth-interval', '0.5', '--run-id', 'promrun', '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = resultFrom(run.stdout);

    // Counters grow while the run goes on.
    const sent = live.map((s) => s.value('sqs_blast_messages_sent_total'));
    expect(live.length).toBeGreaterThanOrEqual(5);
    expect(sent.some((v) => v > 0 && v < result.sent)).toBe(true);
    for (let i = 1; i < sent.length; i++) expect(sent[i]).toBeGreaterThanOrEqual(sent[i - 1]);
    expect(new Set(sent).size).toBeGreaterThanOrEqual(3);
    expect(live.some((s) => s.value('sqs_blast_calls_in_flight') > 0)).toBe(true);
    expect(live.some((s) => Object.keys(s.byLabel('sqs_blast_queue_messages', 'queue')).length === 2)).toBe(true);

    // The last scrape is the result.
    for (const [metric, field] of Object.entries(COUNTERS)) expect(final.value(metric), metric).toBe(result[field]);
    const errors = Object.values(result.errors as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(final.value('sqs_blast_errors_total')).toBe(errors);
    for (const [metric, name] of Object.entries(HISTOGRAMS)) {
      const h = final.histogram(metric);
      const encoded = result.histograms[name];
      expect(encoded, metric).toBeDefined();
      expect(h.count, metric).toBe(decode(encoded!).totalCount);
      // Cumulative buckets never fall, and some latency lies below the top bound.
      const counts = Object.entries(h.buckets).sort((a, b) => Number(a[0]) - Number(b[0])).map(([, n]) => n);
      for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]);
      expect(h.buckets['60']).toBeGreaterThan(0);
    }
    expect(final.value('sqs_blast_messages_sent_total')).toBe(30000);
    expect(final.families.get('sqs_blast_messages_sent_total')!.metrics[0].labels).toEqual({ run_id: 'promrun', shard: '0', command: 'run' });
    expect(final.value('sqs_blast_target_rate_messages_per_second')).toBe(6000);
    const busy = live.map((s) => s.value('sqs_blast_worker_event_loop_busy_ratio'));
    expect(busy.some((b) => b > 0 && b <= 1)).toBe(true);
  });

  it('serves a histogram for every latency of the table, under its fixed name', () => {
    // The names are a contract with dashboards: this list is written out, not read from the table.
    expect(Object.values(HISTOGRAMS).sort()).toEqual([...LATENCY_NAMES].sort());
  });

  it('does not linger after SIGTERM: a pod ends within its grace period', async () => {
    const prefix = uniquePrefix('promterm');
    const started = Date.now();
    let signalled = 0;
    const run = await runCli(['send', '--create-queues', '--queue-prefix', prefix, '--total', '10000000', '--rate', '500', '--metrics-port', '0', '--metrics-linger', '120', '--quiet'], {
      env: { AWS_ENDPOINT_URL_SQS: endpoint() },
      onStderr: (chunk, child) => {
        if (!signalled && /Prometheus metrics at/.test(chunk)) {
          signalled = Date.now();
          setTimeout(() => child.kill('SIGTERM'), 1500);
        }
      },
    });
    expect(run.code, run.stderr).toBe(143);
    expect(run.stderr).toMatch(/stay up 0 s|^(?![\s\S]*stay up)/);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('refuses a port in use in one line (exit 2)', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const port = (taken.address() as { port: number }).port;
    try {
      for (const flag of ['--metrics-port', '--dashboard']) {
        const r = await runCli(['send', '--endpoint', endpoint(), '--create-queues', '--queue-prefix', uniquePrefix('inuse'), '--total', '10', flag, String(port)]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(new RegExp(`${flag} ${port}: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\); pick a free port`));
      }
    } finally {
      taken.close();
    }
  });

  it('refuses a bad port in one line (exit 2)', async () => {
    for (const [flag, value, says] of [
      ['--metrics-port', '70000', /--metrics-port .*0 to 65535/],
      ['--dashboard', 'abc', /--dashboard .*port/],
      ['--metrics-linger', '-1', /--metrics-linger .*>= 0/],
    ] as const) {
      const r = await runCli(['send', '--endpoint', endpoint(), '--total', '10', flag, value]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(says);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
