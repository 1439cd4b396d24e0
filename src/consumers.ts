/** The drain side of a run: pollers spread over worker threads, and how their results add up. */
import { queueNameOf, type Config } from './config.js';
import type { SharedState } from './metrics/live.js';
import { addTallies } from './metrics/tally.js';
import type { DrainTask, DrainWorkerResult, SharedSeen } from './protocol.js';
import type { Result } from './result/document.js';

export const DRAIN_WORKER = new URL('../workers/consumer.js', import.meta.url).href;

export function planDrain(
  config: Config,
  queueUrls: string[],
  state: SharedState,
  startMs: number,
  firstRow: number,
  sharedSeen?: SharedSeen,
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
    throughService: d.downstream !== undefined,
    sharedSeen,
    subscriptions: d.fanOut ? queueUrls.map(queueNameOf) : undefined,
    consumer: d.consumer,
    startMs,
    endMs: config.command === 'drain' && d.durationMs !== undefined ? startMs + d.durationMs : undefined,
  }));
}

export function mergeDrain(into: Result, parts: DrainWorkerResult[]): void {
  addTallies(into, parts);
}
