/**
 * `--metrics-port`: GET /metrics in the Prometheus text format, by prom-client. Values are read
 * from the LiveSource on each scrape (collect), never pushed per message, so the hot path pays
 * nothing for a scrape. Latency histograms come from the workers' shared buckets, exposed through
 * prom-client's registry as ordinary histogram samples.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry, type Metric, type MetricValueWithName } from 'prom-client';
import { LATENCY_ROWS, type LatencyName } from '../metrics/latencies.js';
import { BOUNDS_SECONDS } from '../metrics/latency-buckets.js';
import type { ObservedConsumers } from '../result/document.js';
import { messagesIn } from '../sqs/depth.js';
import type { LiveSource } from './live-source.js';

const LABELS = ['run_id', 'shard', 'command'] as const;

/** A histogram whose buckets live in shared memory: prom-client formats it, the workers fill it. */
function sharedHistogram(source: LiveSource, name: string, help: string, latency: LatencyName): Metric {
  const get = async () => {
    const b = source.buckets(latency);
    const values: Array<MetricValueWithName<string>> = [];
    let cumulative = 0;
    b.counts.forEach((n, i) => {
      cumulative += n;
      const le = i < BOUNDS_SECONDS.length ? String(BOUNDS_SECONDS[i]) : '+Inf';
      values.push({ metricName: `${name}_bucket`, labels: { ...source.labels, le }, value: cumulative });
    });
    values.push({ metricName: `${name}_sum`, labels: { ...source.labels }, value: b.sumSeconds });
    values.push({ metricName: `${name}_count`, labels: { ...source.labels }, value: b.count });
    return { name, help, type: 'histogram', aggregator: 'sum', values };
  };
  return { name, help, type: 'histogram', aggregator: 'sum', get, reset: () => undefined } as unknown as Metric;
}

export function buildRegistry(source: LiveSource): Registry {
  const registry = new Registry();
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      labelNames: LABELS,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(source.labels, read());
      },
    });
  counter('sqs_blast_messages_sent_total', 'Messages SQS acknowledged (SendMessageBatch entries that succeeded)', () => source.counts().sent);
  counter('sqs_blast_messages_failed_total', 'Messages that ended failed after their retries', () => source.counts().failed);
  counter('sqs_blast_messages_received_total', 'Messages received (redeliveries included)', () => source.counts().received);
  counter('sqs_blast_messages_deleted_total', 'Messages deleted after receipt', () => source.counts().deleted);
  counter('sqs_blast_messages_duplicates_total', 'Messages received more than once (known when the run ends)', () => source.counts().duplicates);
  counter('sqs_blast_throttles_total', 'Error events SQS sent to slow down (throttling codes)', () => source.counts().throttles);
  counter('sqs_blast_retries_total', 'Calls made again after a retryable failure', () => source.counts().retries);
  new Counter({
    name: 'sqs_blast_errors_total',
    help: "Error events by code (retried or not); codes sqs-blast does not name count as 'other'",
    labelNames: [...LABELS, 'code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, n] of Object.entries(source.counts().errors)) this.inc({ ...source.labels, code }, n);
    },
  });
  for (const l of LATENCY_ROWS) registry.registerMetric(sharedHistogram(source, l.prometheus, l.help, l.key));
  // One gauge of this process's labels; a figure not known yet (null) is left absent.
  const gauge = (name: string, help: string, read: () => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: LABELS,
      registers: [registry],
      collect() {
        const v = read();
        if (v !== null) this.set(source.labels, v);
      },
    });
  gauge('sqs_blast_calls_in_flight', 'SendMessageBatch calls open right now (the send side; drain polls are not counted live)', () => source.inflight());
  gauge('sqs_blast_target_rate_messages_per_second', "This process's target msg/s now: the --rate, or where the --stages ramp stands (0: as fast as it goes)", () => source.targetRate());
  gauge('sqs_blast_worker_event_loop_busy_ratio', 'Share of worker event-loop time spent busy since the previous scrape (1: the client is the bottleneck)', busyShare(source));
  new Gauge({
    name: 'sqs_blast_queue_messages',
    help: 'Queue depth by state (visible, in_flight, delayed), as last sampled (--depth-interval)',
    labelNames: [...LABELS, 'queue', 'state'],
    registers: [registry],
    collect() {
      for (const d of source.depths) {
        const queue = d.url.slice(d.url.lastIndexOf('/') + 1);
        this.set({ ...source.labels, queue, state: 'visible' }, d.visible);
        this.set({ ...source.labels, queue, state: 'in_flight' }, d.inFlight);
        this.set({ ...source.labels, queue, state: 'delayed' }, d.delayed);
      }
    },
  });
  new Gauge({
    name: 'sqs_blast_dlq_messages',
    help: 'send --observe: messages in each DLQ of the watched queues (visible + in flight + delayed), as last sampled (every second)',
    labelNames: [...LABELS, 'queue'],
    registers: [registry],
    collect() {
      for (const d of source.consumers?.dlqs ?? []) this.set({ ...source.labels, queue: d.url.slice(d.url.lastIndexOf('/') + 1) }, messagesIn(d));
    },
  });
  // send --observe's figures over the send's measured phase: absent until they are in (after the settle).
  const consumerGauge = (name: string, help: string, read: (c: ObservedConsumers) => number | null) =>
    gauge(name, help, () => {
      const c = source.consumers?.consumers;
      return c ? read(c) : null;
    });
  consumerGauge('sqs_blast_consumers_messages_per_second', 'send --observe: your consumers’ pace, msg/s sent less the backlog’s growth (once known, after the settle)', (c) => c.consumedPerSec);
  consumerGauge('sqs_blast_backlog_growth_messages_per_second', 'send --observe: the backlog’s growth, msg/s (least-squares slope of the depth samples; once known)', (c) => c.growthPerSec);
  consumerGauge('sqs_blast_dlq_gain_messages', 'send --observe: messages the DLQs gained from the first sample to the end of the settle (absent with no DLQ)', (c) => c.dlqGain);
  new Gauge({
    name: 'sqs_blast_subscription_messages',
    help: 'drain --fan-out: per subscription queue, messages distinct, duplicates and missing (known when the run ends, absent before)',
    labelNames: [...LABELS, 'subscription', 'state'],
    registers: [registry],
    collect() {
      for (const s of source.result?.fanOut?.subscriptions ?? []) {
        this.set({ ...source.labels, subscription: s.queue, state: 'distinct' }, s.distinct);
        this.set({ ...source.labels, subscription: s.queue, state: 'duplicates' }, s.duplicates);
        this.set({ ...source.labels, subscription: s.queue, state: 'missing' }, s.missing);
      }
    },
  });
  return registry;
}

/** Busy share over the time between two reads (the whole run so far on the first). */
function busyShare(source: LiveSource): () => number {
  let last = { busyMs: 0, observedMs: 0 };
  return () => {
    const now = source.loop();
    const observed = now.observedMs - last.observedMs;
    const share = observed > 0 ? (now.busyMs - last.busyMs) / observed : 0;
    if (observed > 0) last = now;
    return share;
  };
}

/** Serves /metrics on host:port until closed; resolves once listening (port 0: any free port). */
export async function serveMetrics(registry: Registry, port: number, host: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('sqs-blast serves GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(e)}\n`),
    );
  });
  await listen(server, port, host);
  const a = server.address() as AddressInfo;
  return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${a.port}/metrics` };
}

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
