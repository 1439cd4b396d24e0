/** The send side of a run: how the work is split over worker threads, and how their results add up. */
import type { Config } from './config.js';
import { producedShard } from './metrics/integrity.js';
import { decodeBits, encodeBits, orBits } from './metrics/seq-bits.js';
import type { SharedState } from './metrics/live.js';
import { addTallies } from './metrics/tally.js';
import type { PayloadIdentity } from './payload.js';
import type { SendTask, SendWorkerResult, TopicTarget } from './protocol.js';
import type { Result } from './result/document.js';

export const SEND_WORKER = new URL('../workers/producer.js', import.meta.url).href;

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
  firstSeq = 0,
  topic?: TopicTarget,
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
    // A topic send publishes to the topic alone: its ARN stands where the queue URL would.
    queueUrls: topic ? [topic.arn] : queueUrls,
    topic,
    identity: shardIdentity(config),
    messageSize: s.messageSize,
    sizes: s.sizes,
    attributes: s.attributes,
    delaySeconds: s.delaySeconds,
    bodyTemplate: s.bodyTemplate,
    batchSize: s.batchSize,
    total: s.total,
    firstSeq,
    lanes: n,
    startMs,
    schedule: s.schedule,
    workers: lanes.length,
  }));
}

/** OR of the workers' encoded seq sets: each worker sent its own batches of the shard. */
function unionOf(parts: SendWorkerResult[], key: 'acked' | 'settled'): string {
  let bits: Uint8Array = new Uint8Array(0);
  for (const p of parts) bits = orBits(bits, decodeBits(p[key]));
  return encodeBits(bits);
}

/**
 * The workers' tallies, and the shard's own integrity entry with the seqs SQS acknowledged and
 * those settled, so a drain that saw none of it still counts it as missing, and a refused send
 * is failed, not missing. Warm-up messages are real messages: the drain must see them, so
 * integrity counts them. `resume`: where this attempt started, and whether after a killed one (ledger/resume.ts).
 */
export function mergeSend(into: Result, parts: SendWorkerResult[], identity: PayloadIdentity, resume: { firstSeq: number; resentFrom?: number } = { firstSeq: 0 }): void {
  addTallies(
    into,
    parts.map(({ acked: _a, settled: _s, ...tally }) => tally),
  );
  const sets = { acked: unionOf(parts, 'acked'), settled: unionOf(parts, 'settled'), from: resume.firstSeq, resentFrom: resume.resentFrom };
  into.integrity.push(producedShard(identity, { sent: into.sent, attempted: into.attempted, failed: into.failed }, sets));
}
