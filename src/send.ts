/** The send side of a run: how the work is split over worker threads, and how their results add up. */
import type { Config } from './config.js';
import { producedShard } from './metrics/integrity.js';
import type { SharedState } from './metrics/live.js';
import { addTallies } from './metrics/tally.js';
import type { PayloadIdentity } from './payload.js';
import type { SendTask, SendWorkerResult } from './protocol.js';
import type { Result } from './report/result.js';

export const SEND_WORKER = new URL('../workers/send.js', import.meta.url).href;

/** Spread n items over k slots as evenly as possible (the first slots take the remainder). */
export function spread(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

/** What every message of this process's shard says about where it belongs. */
export function shardIdentity(config: Config): PayloadIdentity {
  const s = config.send!;
  return {
    runId: config.runId,
    shard: config.shard,
    shards: config.shards,
    of: Number.isFinite(s.total) ? s.total : -1,
    total: Number.isFinite(s.runTotal) ? s.runTotal : -1,
  };
}

export function planSend(
  config: Config,
  queueUrls: string[],
  state: SharedState,
  startMs: number,
  firstRow: number,
  contentDedup = false,
): SendTask[] {
  const s = config.send!;
  const lanes = spread(s.concurrency, s.workers);
  let firstLane = 0;
  return lanes.map((n, i) => ({
    fifo: config.queues.fifo
      ? { groups: s.groups ?? s.concurrency, contentDedup, firstLane: (firstLane += n) - n, totalLanes: s.concurrency, hotShare: s.hotShare }
      : undefined,
    row: firstRow + i,
    state,
    connection: config.connection,
    queueUrls,
    identity: shardIdentity(config),
    messageSize: s.messageSize,
    sizes: s.sizes,
    attributes: s.attributes,
    delaySeconds: s.delaySeconds,
    bodyTemplate: s.bodyTemplate,
    batchSize: s.batchSize,
    total: s.total,
    lanes: n,
    startMs,
    schedule: s.schedule,
    workers: lanes.length,
  }));
}

export function mergeSend(into: Result, parts: SendWorkerResult[], identity: PayloadIdentity): void {
  addTallies(into, parts);
  // The shard's own integrity entry, so a drain that saw none of it still counts it as missing.
  // Warm-up messages are real messages: the drain must see them, so integrity counts them.
  into.integrity.push(producedShard(identity, { sent: into.sent, attempted: into.attempted, failed: into.failed }));
}
