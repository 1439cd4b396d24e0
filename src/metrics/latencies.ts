/**
 * Every latency sqs-blast measures, one row each: the one place a latency's identity lives. The
 * rest reads this table — the worker's recorder and its per-second copy (worker-kit/meter.ts), the
 * live buckets and the dashboard (observe/), the result's summary field (result/document.ts), the
 * summary, HTML and compare rows, threshold names (report/thresholds.ts) and /metrics
 * (observe/prometheus.ts) — so a new latency is a row here and the `record` call where it
 * happens (and the name in that worker's Meter list).
 *
 * Names that users and dashboards already hold (result fields, threshold prefixes, Prometheus
 * names) are part of sqs-blast/result@1 and the /metrics contract: add rows, never rename.
 */
import type { LatencySummary } from './histogram.js';

export interface LatencyDescriptor {
  /** Where a human reads it: summary rows, chart legends, compare figures. */
  label: string;
  /** The per-second chart's legend ("send p99"). */
  short: string;
  /** The threshold and compare prefix: `receive.p99<1s`; the send side's also reads bare (`p99`). */
  threshold: string;
  /** The result's summary field (LatencySummary | null), derived from `histograms[key]` by finalize. */
  result: string;
  /** The /metrics histogram, in seconds, from the workers' shared buckets. */
  prometheus: string;
  help: string;
  /** Which phase records it: the summary shows the row only where that phase ran. */
  phase: 'send' | 'drain';
  /** Also kept per second in the timeline (one small histogram a second: the charts' latency per second). */
  perSecond: boolean;
  /** One of the HTML report's headline cards (its p99). */
  card: boolean;
  /** Its label in a run --downstream, where it is measured through the user's service. */
  downstream?: string;
}

/** Latency histograms by name (the key is the name in `histograms` and in a worker's Meter). */
export const LATENCIES = {
  /** SendMessageBatch, from the batch's (intended) start to its final answer, retries included. */
  sendCall: {
    label: 'send batch',
    short: 'send',
    threshold: 'send',
    result: 'latency',
    prometheus: 'sqs_blast_send_batch_duration_seconds',
    help: 'SendMessageBatch from its intended start to its final answer, retries included',
    phase: 'send',
    perSecond: true,
    card: true,
  },
  receiveCall: {
    label: 'receive call',
    short: 'receive',
    threshold: 'receive',
    result: 'receiveLatency',
    prometheus: 'sqs_blast_receive_call_duration_seconds',
    help: 'ReceiveMessage calls (long polls included)',
    phase: 'drain',
    perSecond: true,
    card: false,
  },
  /** A delete of received messages, from its call to its final answer, retries included. */
  deleteCall: {
    label: 'delete call',
    short: 'delete',
    threshold: 'delete',
    result: 'deleteLatency',
    prometheus: 'sqs_blast_delete_call_duration_seconds',
    help: 'DeleteMessageBatch (or DeleteMessage with --delete single) calls, retries included',
    phase: 'drain',
    perSecond: false,
    card: false,
  },
  /** Receive time minus the body's sentAt (or SentTimestamp). */
  e2e: {
    label: 'end-to-end',
    short: 'e2e',
    threshold: 'e2e',
    result: 'e2eLatency',
    prometheus: 'sqs_blast_end_to_end_latency_seconds',
    help: "From a message's send to its receipt",
    phase: 'drain',
    perSecond: true,
    card: true,
    // run --downstream: the drain reads the service's output queues.
    downstream: 'through service',
  },
} as const satisfies Record<string, LatencyDescriptor>;

export type LatencyName = keyof typeof LATENCIES;
export const LATENCY_NAMES = Object.keys(LATENCIES) as LatencyName[];

export type LatencyRow = { [K in LatencyName]: { key: K } & (typeof LATENCIES)[K] }[LatencyName];
/** The table as rows, in its order (display order everywhere). */
export const LATENCY_ROWS = LATENCY_NAMES.map((key) => ({ key, ...LATENCIES[key] })) as LatencyRow[];

/** A row's label in a result: run --downstream renames the latencies measured through the user's service. */
export function latencyLabel(l: LatencyRow, downstream: boolean): string {
  return downstream && 'downstream' in l ? l.downstream : l.label;
}

/** The result's summary fields, one per latency: `latency`, `receiveLatency`, `deleteLatency`, `e2eLatency`. */
export type LatencyResultField = (typeof LATENCIES)[LatencyName]['result'];
export type LatencyFields = { [F in LatencyResultField]: LatencySummary | null };
