/**
 * The result document: one JSON shape for send, drain, run and merged reports. Raw, mergeable
 * facts (counts, encoded histograms, integrity bitmaps, phase spans, timelines) are the source of
 * truth; `finalize` derives every summary figure from them, so a result from one process and a
 * merge of twenty are computed the same way.
 */
import { EXIT } from '../errors.js';
import { decode, summarize, type LatencySummary } from '../metrics/histogram.js';
import { notSent, verdict, type SubscriptionVerdict } from '../metrics/integrity.js';
import { LATENCY_ROWS, type LatencyFields } from '../metrics/latencies.js';
import { SNS_PUBLISH_PRICE_PER_MILLION } from '../sqs/billing.js';
import { emptyTally, type Tally } from '../metrics/tally.js';
import type { QueueDepth } from '../sqs/depth.js';
import type { AttemptRecord } from '../config/attempt.js';
import type { Threshold } from '../config/thresholds.js';

export const SCHEMA = 'sqs-blast/result@1';
export const RESULT_PREFIX = 'SQS_BLAST_RESULT ';

export type Kind = 'send' | 'drain' | 'run' | 'report';

export interface Phase {
  startedAt: number;
  endedAt: number;
}

/** A pass/fail gate: config/thresholds.ts parses them, report/thresholds.ts evaluates them. */
export type { Threshold };

/** Does a merge hold the whole run? Computed by report/coverage.ts. */
export interface RunCoverage {
  runId: string;
  shards: number;
  /** Shard indexes of this run with no send (or run) result in the merge. */
  missingSendShards: number[];
}

export interface Coverage {
  /** False when the merge cannot judge integrity for every run it saw. */
  complete: boolean;
  runs: RunCoverage[];
  /** Run ids that each hold send results for only part of their shards (more than one of them). */
  splitRunIds: string[];
  /** Merged parts that were stopped by a signal: their producers' unsent rest is `notSent`. */
  interrupted: Array<{ kind: Kind; runId: string; shard: number; signal: string }>;
  /** One line each, for stderr and the summary. */
  warnings: string[];
}

export interface UnfinishedAttempt {
  kind: Kind;
  runId: string;
  shard: number;
  pod: string;
  /** Epoch ms of its last checkpoint: what it did after that is unknown. */
  lastCheckpointAt: number;
  /** What its last checkpoint counted. */
  sent: number;
  received: number;
}

export interface ThresholdOutcome extends Threshold {
  actual: number | null;
  ok: boolean;
  /** Why the outcome is not just the comparison (e.g. a merge lacking send results). */
  note?: string;
}

/**
 * The summed facts (counts, errors, failures, cost, histograms, integrity, timeline, order
 * violations) are a Tally (metrics/tally.ts): the same fields a worker thread returns. Each
 * latency's summary (`latency` for send batches, `receiveLatency`, `deleteLatency`, `e2eLatency`)
 * is a LatencyFields field, named by metrics/latencies.ts and derived by finalize.
 */
export interface Result extends Tally, LatencyFields {
  schema: typeof SCHEMA;
  kind: Kind;
  runId: string;
  runIds?: string[];
  shard: number;
  shards: number;
  /** How many results were merged into this one (1 for a single process). */
  parts: number;
  /**
   * One drain shard of many: it sees only part of the messages, so `missing` is not its verdict
   * (the merged report's is).
   */
  partial: boolean;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  interrupted: string | null;
  /** Why the run gave up before its end (the endpoint kept failing), or null. */
  abandoned: string | null;
  phases: { send?: Phase; drain?: Phase };
  planned: number | null;
  /**
   * Messages producers planned but never attempted (an interrupted or time-bounded producer's
   * rest): not sent, so not `missing`. Null when no producer result says what it attempted.
   */
  notSent: number | null;
  distinct: number;
  duplicates: number;
  missing: number;
  missingExact: boolean;
  /**
   * Copies of messages that a retried send attempt sent again because the attempt before it was
   * killed after its last checkpoint: seen twice, counted here and not in `duplicates`.
   */
  resent?: number;
  /**
   * Messages the tool cannot prove lost or delivered: acknowledged and unseen in a run where a
   * consumer attempt was killed after its last checkpoint (it may have taken them), plus seqs a
   * killed producer attempt may have sent (`unfinished` names the attempts and their windows).
   */
  unaccounted?: number;
  /**
   * run --downstream: the drain read these queues, a user's service's output, and `e2eLatency` is
   * the latency through the service. `inputLeft`: messages still in the queues the service reads
   * when the run ended (untaken, or taken and not finished). Up to that many unseen messages may
   * still be inside the service: they count as `unaccounted`, not `missing`.
   */
  downstream?: { queues: string[]; inputLeft: number };
  /**
   * Acknowledged, unseen, and not proven lost: the drained queues still held this many messages
   * when the drain ended (visible, in flight or delayed: a drain stopped before the end, or a
   * poll cut off whose messages stay invisible until their visibility timeout). Up to that many
   * unseen messages may be among them, so they count in `unaccounted`, not in `missing`.
   */
  unseenInQueues?: number;
  /** Seen by a consumer although their send was counted failed (e.g. a call that timed out after SQS stored it). */
  seenFailed?: number;
  /** This process's attempt of its shard in the run's ledger (config/attempt.ts). */
  attempt?: AttemptRecord;
  /** Merged reports: attempts whose last document is a checkpoint (the process was killed). */
  unfinished?: UnfinishedAttempt[];
  expected: number | null;
  dlqDepth: number | null;
  /** send --observe: the user's consumers of the queues, as their sampled depth showed them (burst/backlog.ts). */
  consumers?: ObservedConsumers;
  /**
   * ms the hot path added to this machine's clock to sign requests, learned from SQS's refusals
   * and Date headers (sqs/clock-offset.ts): the server's clock minus ours. Absent when 0. A merge
   * holds the part's furthest from 0.
   */
  clockOffsetMs?: number;
  /** The billed requests of the Tally, their sum, and what they cost at pricePerMillion. */
  cost: Tally['cost'] & {
    units: number;
    pricePerMillion: number;
    usd: number;
    /** send --topic-arn: USD per million SNS publish requests (`publishUnits`; sqs/billing.ts). */
    publishPricePerMillion?: number;
  };
  /**
   * drain --fan-out: each subscription queue's own figures (sorted by name), and the names of
   * those that lost messages. `missing` and `duplicates` above are their sums.
   */
  fanOut?: { subscriptions: SubscriptionFigures[]; lost: string[] };
  throughput: { send: number; receive: number };
  queues: QueueDepth[];
  /**
   * This process's CPU seconds (all threads) and peak RSS. With --local the embedded server's
   * thread is included; measure the client alone against a separate server.
   */
  client?: { cpuUserS: number; cpuSystemS: number; usPerMessage: number | null; maxRssMb: number; embeddedServer: boolean };
  config: Record<string, unknown>;
  /** Merged reports: whether the merge holds every send result of the runs it saw. */
  coverage?: Coverage;
  thresholds?: ThresholdOutcome[];
  exitCode?: number;
}

/** One subscription queue of a fan-out: what it got of every run, and its end-to-end latency from publish to receive. */
export interface SubscriptionFigures {
  queue: string;
  distinct: number;
  duplicates: number;
  missing: number;
  e2eLatency: LatencySummary | null;
}

export function emptyResult(kind: Kind, runId: string, shard = 0, shards = 1): Result {
  const t = Date.now();
  const tally = emptyTally();
  return {
    schema: SCHEMA,
    kind,
    runId,
    shard,
    shards,
    parts: 1,
    partial: false,
    startedAt: t,
    endedAt: t,
    durationMs: 0,
    interrupted: null,
    abandoned: null,
    phases: {},
    planned: null,
    ...tally,
    notSent: null,
    distinct: 0,
    duplicates: 0,
    missing: 0,
    missingExact: true,
    expected: null,
    dlqDepth: null,
    cost: { ...tally.cost, units: 0, pricePerMillion: 0.4, usd: 0 },
    throughput: { send: 0, receive: 0 },
    ...(Object.fromEntries(LATENCY_ROWS.map((l) => [l.result, null])) as LatencyFields),
    queues: [],
    config: {},
  };
}

function rate(count: number, phase?: Phase): number {
  if (!phase || phase.endedAt <= phase.startedAt) return 0;
  return Math.round((count / ((phase.endedAt - phase.startedAt) / 1000)) * 10) / 10;
}

function latencyOf(encoded?: string): LatencySummary | null {
  if (!encoded) return null;
  const h = decode(encoded);
  return h.totalCount ? summarize(h) : null;
}

/** Derive every summary figure from the raw facts. */
export function finalize(r: Result): Result {
  r.durationMs = Math.max(0, r.endedAt - r.startedAt);
  // The send phase starts after the warm-up, so its messages count neither in the numerator nor the time.
  r.throughput = { send: rate(r.sent - (r.warmupSent ?? 0), r.phases.send), receive: rate(r.received, r.phases.drain) };
  for (const l of LATENCY_ROWS) r[l.result] = latencyOf(r.histograms[l.key]);
  const c = r.cost;
  const publishes = c.publishUnits ?? 0;
  const sqsUnits = c.sendUnits + c.receiveUnits + c.deleteUnits + (c.visibilityUnits ?? 0) + (c.deliveryUnits ?? 0);
  c.units = sqsUnits + publishes;
  if (publishes) c.publishPricePerMillion ??= SNS_PUBLISH_PRICE_PER_MILLION;
  c.usd = Math.round(((sqsUnits * c.pricePerMillion + publishes * (c.publishPricePerMillion ?? 0)) / 1e6) * 1e6) / 1e6;
  r.notSent = notSent(r.integrity);
  const openDrainRuns = new Set((r.unfinished ?? []).filter((u) => u.kind === 'drain' || u.kind === 'run').map((u) => u.runId));
  const v = verdict(r.integrity, { openDrainRuns });
  // Producers that kept their seqs: what SQS acknowledged, a resent copy once.
  if (v.sentExact !== null) r.sent = v.sentExact;
  if (v.failedExact !== null) r.failed = v.failedExact;
  let unaccounted = v.unaccountedBySends + v.unaccountedByDrains;
  if (r.phases.drain) {
    r.distinct = v.distinct + r.foreign;
    r.duplicates = v.duplicates;
    r.missing = v.missing;
    r.missingExact = v.exact;
    if (v.resent) r.resent = v.resent;
    if (v.seenFailed) r.seenFailed = v.seenFailed;
    if (v.runs.length) r.runIds = v.runs;
    if (v.subscriptions) r.fanOut = fanOutFigures(v.subscriptions, r.subscriptionE2e);
    // A foreign producer's messages carry no seqs: only the expected count can show a loss.
    if (r.expected !== null) r.missing = Math.max(r.missing, r.expected - r.distinct);
    // Unseen, but maybe still in the service: as many as its input queues held at the end. A
    // pod of a sharded run judges no missing of its own (its siblings drain the same queue): the
    // merge does, with the input queues as the last pod to end saw them.
    const inService = r.partial ? 0 : Math.min(r.missing, r.downstream?.inputLeft ?? 0);
    r.missing -= inService;
    unaccounted += inService;
    // Unseen, but maybe still in the queues drained: as many as they held at the end. A fan-out
    // judges each subscription on its own, and a downstream run its input queues (above).
    if (!r.partial && !r.fanOut && !r.downstream && r.missing > 0) {
      // Summed here, not with sqs/depth.ts's messagesIn, which would load the SDK into every importer of this file.
      const queued = Math.min(r.missing, r.queues.reduce((n, q) => n + q.visible + q.inFlight + q.delayed, 0));
      if (queued) {
        r.missing -= queued;
        unaccounted += queued;
        r.unseenInQueues = queued;
      }
    }
  }
  if (unaccounted) r.unaccounted = unaccounted;
  return r;
}

function fanOutFigures(subs: SubscriptionVerdict[], e2e: Record<string, string> = {}): NonNullable<Result['fanOut']> {
  const subscriptions = subs.map((s) => ({ queue: s.subscription, distinct: s.distinct, duplicates: s.duplicates, missing: s.missing, e2eLatency: latencyOf(e2e[s.subscription]) }));
  return { subscriptions, lost: subscriptions.filter((s) => s.missing > 0).map((s) => s.queue) };
}

/** The exit-code contract: see README "Exit codes". */
export function exitCodeOf(r: Result, thresholdsFailed = false): number {
  if (r.interrupted === 'SIGINT') return EXIT.sigint;
  if (r.interrupted === 'SIGTERM') return EXIT.sigterm;
  if (thresholdsFailed) return EXIT.threshold;
  if (r.abandoned || r.failed > 0 || (r.missing > 0 && !r.partial) || (r.unaccounted ?? 0) > 0 || (r.dlqDepth ?? 0) > 0 || (r.orderViolations ?? 0) > 0) {
    return EXIT.incomplete;
  }
  // A merge that lacks send results cannot say "nothing missing", and one holding an interrupted
  // part did not run to its end: neither is done (not-sent messages are not counted as missing).
  if (r.coverage && (!r.coverage.complete || r.coverage.interrupted.length)) return EXIT.incomplete;
  return EXIT.ok;
}

export function resultLine(r: Result): string {
  return RESULT_PREFIX + JSON.stringify(r);
}

/**
 * The user's consumers over a judged window (a burst step's, or send --observe's send phase),
 * from the queues' depth sampled every second: sqs-blast consumed nothing, so their pace is what
 * was sent less what the backlog grew by.
 */
export interface ObservedConsumers {
  /** Messages sent in the window's whole seconds, and over its length. */
  sent: number;
  sentPerSec: number;
  /** The backlog's growth, msg/s: the least-squares slope of the samples inside the window. */
  growthPerSec: number;
  /** The slope over the window's length: the messages it grew by. */
  growth: number;
  /** The consumers' pace: sent − growth, msg/s. */
  consumedPerSec: number;
  /** Depth samples the slope was fitted to. */
  samples: number;
  /** Messages the DLQs gained from the first sample to the end of the drain; null: no DLQ known. */
  dlqGain: number | null;
}
