/** The drain side of a run: pollers spread over worker threads, and how their results add up. */
import type { Config } from './config.js';
import { addCounts } from './metrics/counters.js';
import { encode, mergeEncoded } from './metrics/histogram.js';
import { mergeIntegrity } from './metrics/integrity.js';
import type { SharedState } from './metrics/live.js';
import { mergeTimelines } from './metrics/timeline.js';
import type { Result } from './report/result.js';
import type { DrainTask, DrainWorkerResult } from '../workers/drain.js';

export const DRAIN_WORKER = new URL('../workers/drain.js', import.meta.url).href;

export function planDrain(
  config: Config,
  queueUrls: string[],
  state: SharedState,
  startMs: number,
  firstRow: number,
  sharedSeen?: DrainTask['sharedSeen'],
): DrainTask[] {
  const d = config.drain!;
  const pollers: number[][] = Array.from({ length: d.workers }, () => []);
  // Round-robin, shifted by one each round, so every worker polls every queue when there are
  // enough pollers (a plain round-robin gave a worker only the even queues): one slow queue
  // stalls no thread.
  for (let j = 0; j < d.concurrency; j++) {
    for (let q = 0; q < queueUrls.length; q++) pollers[(j * queueUrls.length + q + j) % d.workers].push(q);
  }
  return pollers.map((list, i) => ({
    row: firstRow + i,
    state,
    connection: config.connection,
    queueUrls,
    pollers: list,
    maxMessages: d.maxMessages,
    waitTimeSeconds: d.waitTimeSeconds,
    visibilityTimeout: d.visibilityTimeout,
    runIdFilter: d.runIdFilter,
    sharedSeen,
    startMs,
    endMs: config.command === 'drain' && d.durationMs !== undefined ? startMs + d.durationMs : undefined,
  }));
}

export function mergeDrain(into: Result, parts: DrainWorkerResult[]): void {
  for (const p of parts) {
    into.received += p.received;
    into.foreign += p.foreign;
    into.deleted += p.deleted;
    into.deleteFailed += p.deleteFailed;
    into.receiveCalls += p.receiveCalls;
    into.emptyReceives += p.emptyReceives;
    into.retries += p.retries;
    into.cost.receiveUnits += p.receiveUnits;
    into.cost.deleteCalls += p.deleteCalls;
    into.cost.deleteUnits += p.deleteCalls;
    if (p.orderViolations !== null) into.orderViolations = (into.orderViolations ?? 0) + p.orderViolations;
    addCounts(into.errors, p.errors);
  }
  into.histograms.receiveCall = encode(mergeEncoded(parts.map((p) => p.histograms.receiveCall)));
  into.histograms.deleteCall = encode(mergeEncoded(parts.map((p) => p.histograms.deleteCall)));
  into.histograms.e2e = encode(mergeEncoded(parts.map((p) => p.histograms.e2e)));
  into.integrity = mergeIntegrity([...into.integrity, ...parts.flatMap((p) => p.integrity)]);
  into.timeline = mergeTimelines([into.timeline, ...parts.map((p) => p.timeline)]);
}
