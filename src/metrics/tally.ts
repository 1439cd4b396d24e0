/**
 * The facts of a run that add up: counts, errors and failures by code, billed requests, latency
 * histograms, FIFO order violations, integrity bitmaps and the timeline. A worker thread returns
 * a Tally, and every result document is one (result/document.ts), so one adder merges threads into
 * a process and processes into a report, exactly.
 *
 * A new counter is one entry in COUNTERS (or COST_COUNTERS): that gives it its place in worker
 * results, in the result JSON, its zero, and its sum in every merge. What remains is to count it
 * where it happens (Meter#count) and to show it (report/summary.ts, report/html.ts). Latencies
 * have their own table, metrics/latencies.ts, which also says where each is shown.
 */
import { addCounts, type CountMap } from './counters.js';
import { encode, mergeEncoded } from './histogram.js';
import { mergeIntegrity, type IntegrityJson } from './integrity.js';
import { LATENCY_NAMES, type LatencyName } from './latencies.js';
import type { Field } from './live.js';
import { mergeTimelines, type TimelineJson } from './timeline.js';

/** Where a counter also shows while the run is on: a shared live field (progress, stop rules), a per-second series. */
export interface CounterDisplay {
  live?: Field;
  timeline?: string;
}

/** Every summed count of the result, by its JSON name. */
export const COUNTERS = {
  /** Messages a producer put in a SendMessageBatch call (sent + failed). */
  attempted: {},
  sent: { live: 'sent', timeline: 'sent' },
  failed: { live: 'failed', timeline: 'failed' },
  /** Calls made again after a retryable failure (send, receive and delete). */
  retries: { live: 'retries', timeline: 'retries' },
  received: { live: 'received', timeline: 'received' },
  /** Received messages that are not sqs-blast bodies (or not of --only-run-id). */
  foreign: {},
  deleted: { live: 'deleted', timeline: 'deleted' },
  /** Received but never deleted: those come back (duplicates, not losses). */
  deleteFailed: {},
  /** Received again after a visibility timeout ran out (ApproximateReceiveCount > 1). */
  redelivered: { timeline: 'redelivered' },
  receiveCalls: {},
  /** Messages sent in the --warmup (also in `sent`: they are real messages the drain must see). */
  warmupSent: {},
  /** SendMessageBatch calls that started in the --warmup: kept out of the latency histograms. */
  warmupCalls: {},
  emptyReceives: { live: 'emptyPolls' },
  /** Times the hot path's credentials were replaced mid-run (expiring ones refreshed, expired ones renewed). */
  credentialRefreshes: {},
} satisfies Record<string, CounterDisplay>;

/**
 * Billed requests by action (see sqs/billing.ts), in the result's `cost`: every call counts, and
 * each 64 KB of payload is one request; receives (empty ones too) and deletes count. Setup and
 * stats calls are not included. send --topic-arn: `publishUnits` are SNS's (PublishBatch, each
 * 64 KB of a call's messages one request), `deliveryUnits` the SQS requests of the topic's
 * deliveries to its subscribed queues (sns/cost.ts has the prices).
 */
export const COST_COUNTERS = ['sendCalls', 'sendUnits', 'receiveUnits', 'deleteCalls', 'deleteUnits', 'visibilityUnits', 'publishUnits', 'deliveryUnits'] as const;

export type Counter = keyof typeof COUNTERS;
export type CostCounter = (typeof COST_COUNTERS)[number];
export const COUNTER_NAMES = Object.keys(COUNTERS) as Counter[];

/** Encoded HDR histograms (µs) by name. */
export type HistogramSet = Partial<Record<LatencyName, string>>;

export type Counts = Record<Counter, number>;

export interface Tally extends Counts {
  errors: CountMap;
  /** Messages counted failed, by the code of their last error. */
  failures: CountMap;
  /** Messages sent by size bucket (workload/sizes.ts: the bucket's upper bound, e.g. "16KiB"). */
  sizes: CountMap;
  cost: Record<CostCounter, number>;
  histograms: HistogramSet;
  /** FIFO drains: messages that arrived before a lower seq of their group (null: not FIFO). */
  orderViolations: number | null;
  integrity: IntegrityJson[];
  /** drain --fan-out: end-to-end latency (encoded HDR, µs) per subscription queue, by its name. */
  subscriptionE2e?: Record<string, string>;
  timeline?: TimelineJson;
}

export function emptyTally(): Tally {
  const counts = Object.fromEntries(COUNTER_NAMES.map((k) => [k, 0])) as Counts;
  const cost = Object.fromEntries(COST_COUNTERS.map((k) => [k, 0])) as Tally['cost'];
  return { ...counts, errors: {}, failures: {}, sizes: {}, cost, histograms: {}, orderViolations: null, integrity: [] };
}

/**
 * Add parts into a tally: counts add, histograms add, bitmaps OR (a message two parts both saw is
 * a duplicate), timelines add by wall-clock second. Parts may come from older result files, so
 * anything missing counts as nothing.
 */
export function addTallies(into: Tally, parts: Array<Partial<Tally>>): void {
  for (const p of parts) {
    for (const k of COUNTER_NAMES) into[k] += p[k] ?? 0;
    if (p.cost) for (const k of COST_COUNTERS) into.cost[k] += p.cost[k] ?? 0;
    addCounts(into.errors, p.errors);
    addCounts(into.failures, p.failures);
    addCounts(into.sizes, p.sizes);
    if (p.orderViolations !== null && p.orderViolations !== undefined) into.orderViolations = (into.orderViolations ?? 0) + p.orderViolations;
  }
  for (const k of LATENCY_NAMES) {
    if (parts.some((p) => p.histograms?.[k])) into.histograms[k] = encode(mergeEncoded([into.histograms[k], ...parts.map((p) => p.histograms?.[k])]));
  }
  into.integrity = mergeIntegrity([...into.integrity, ...parts.flatMap((p) => p.integrity ?? [])]);
  for (const p of parts) {
    for (const [sub, h] of Object.entries(p.subscriptionE2e ?? {})) {
      const have = (into.subscriptionE2e ??= {})[sub];
      into.subscriptionE2e[sub] = have ? encode(mergeEncoded([have, h])) : h;
    }
  }
  into.timeline = mergeTimelines([into.timeline, ...parts.map((p) => p.timeline)]);
}
