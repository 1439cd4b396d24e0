/**
 * `sqs-blast report`: merge results exactly: counts add, HDR histograms add, integrity bitmaps
 * OR (a message seen by two drain pods is a duplicate), phases span from the earliest start to
 * the latest end.
 */
import { addTallies } from '../metrics/tally.js';
import type { QueueDepth } from '../sqs/depth.js';
import { coverageOf } from './coverage.js';
import { emptyResult, finalize, type Phase, type Result, type UnfinishedAttempt } from '../result/document.js';
import { ledgerView, plannedOf, unfinishedWarnings } from '../ledger/merge.js';

// Reading results (files, logs, chunked result lines, S3) lives in sources.ts and result/lines.ts.
export { parseResults } from '../result/lines.js';

function unionPhase(a: Phase | undefined, b: Phase | undefined): Phase | undefined {
  if (!a) return b ? { ...b } : undefined;
  if (!b) return a;
  return { startedAt: Math.min(a.startedAt, b.startedAt), endedAt: Math.max(a.endedAt, b.endedAt) };
}

export interface MergeOptions {
  /** report --job-uid: the Job applies (controller uids) to merge when a run id was applied more than once. */
  jobUids?: string[];
}

export function mergeResults(all: Result[], options: MergeOptions = {}): Result {
  // Pod attempts in the run's ledger: one apply, killed attempts known, retries carried on.
  const view = ledgerView(all, options.jobUids);
  const parts = view.parts;
  const runIds = [...new Set(parts.map((p) => p.runId))];
  const merged = emptyResult('report', runIds.length === 1 ? runIds[0] : 'mixed', 0, Math.max(...parts.map((p) => p.shards)));
  merged.parts = parts.reduce((n, p) => n + (p.parts ?? 1), 0);
  merged.startedAt = Math.min(...parts.map((p) => p.startedAt));
  merged.endedAt = Math.max(...parts.map((p) => p.endedAt));
  // Counts, errors, cost, histograms, bitmaps, timelines: the same adder that merged each process's threads.
  addTallies(merged, parts);
  const latestQueues = new Map<string, { at: number; depth: QueueDepth }>();
  let planned: number | null = 0;
  let expected: number | null = null;
  for (const p of parts) {
    if (p.cost) merged.cost.pricePerMillion = p.cost.pricePerMillion;
    merged.phases.send = unionPhase(merged.phases.send, p.phases?.send);
    merged.phases.drain = unionPhase(merged.phases.drain, p.phases?.drain);
    if (p.phases?.send) planned = planned === null || p.planned === null ? null : planned + p.planned;
    if (p.expected !== null && p.expected !== undefined) expected = (expected ?? 0) + p.expected;
    // The same DLQ is seen by every drain pod: its depth is a level, not a sum.
    if (p.dlqDepth !== null && p.dlqDepth !== undefined) merged.dlqDepth = Math.max(merged.dlqDepth ?? 0, p.dlqDepth);
    // Each pod has a clock of its own: the merge shows the one furthest off.
    if (p.clockOffsetMs && Math.abs(p.clockOffsetMs) > Math.abs(merged.clockOffsetMs ?? 0)) merged.clockOffsetMs = p.clockOffsetMs;
    for (const q of p.queues ?? []) {
      const have = latestQueues.get(q.url);
      if (!have || have.at < p.endedAt) latestQueues.set(q.url, { at: p.endedAt, depth: q });
    }
  }
  merged.planned = merged.phases.send ? (parts.some((p) => p.attempt) ? plannedOf(parts) : planned) : null;
  merged.expected = expected;
  if (view.unfinished.length) merged.unfinished = view.unfinished;
  merged.coverage = coverageOf(
    parts.filter((p) => !view.superseded.has(p)),
    merged.integrity,
  );
  merged.queues = [...latestQueues.values()].map((q) => q.depth);
  const interrupted = parts.filter((p) => p.interrupted).length;
  merged.config = {
    merged: parts.map((p) => ({ kind: p.kind, runId: p.runId, shard: p.shard, shards: p.shards, interrupted: p.interrupted, exitCode: p.exitCode })),
    endpoint: (parts[0].config as { endpoint?: string })?.endpoint,
    partsInterrupted: interrupted,
  };
  // run --downstream pods share the service's queues: what its input held at the end is a level,
  // the last part's to end, not a sum.
  const through = parts.filter((p) => p.downstream).sort((a, b) => a.endedAt - b.endedAt);
  if (through.length) merged.downstream = { queues: [...new Set(through.flatMap((p) => p.downstream!.queues))], inputLeft: through[through.length - 1].downstream!.inputLeft };
  finalize(merged);
  const finished = (u: UnfinishedAttempt) => parts.some((p) => p.kind === u.kind && p.runId === u.runId && p.shard === u.shard && p.attempt?.final && p.attempt.at > u.lastCheckpointAt);
  merged.coverage.warnings.push(...unfinishedWarnings(view.unfinished, merged.unaccounted ?? 0, finished));
  return merged;
}
