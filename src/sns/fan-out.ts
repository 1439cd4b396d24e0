/**
 * drain --fan-out: every subscription queue of an SNS topic gets its own copy of each message, so
 * each queue is proven on its own (metrics/integrity.ts keeps a seen-bitmap per subscription: one
 * bit per message per subscription, 125 KB per million messages per subscription) and its
 * end-to-end latency, from the publish (the body's sentAt) to the receive, is kept apart.
 */
import { createHistogram, encode, recordMs, type Histogram } from '../metrics/histogram.js';
import type { IntegrityJson } from '../metrics/integrity.js';

/**
 * One HDR histogram per subscription queue a thread received from, made on its first message, at
 * 2 significant digits (1%): 13 KB each against the run histograms' 92 KB (measured), so 100
 * subscriptions on 8 threads hold ~10 MB, not ~74 MB, whatever the message count.
 */
export class SubscriptionLatencies {
  private readonly histograms: Array<Histogram | undefined>;

  constructor(private readonly names: string[]) {
    this.histograms = names.map(() => undefined);
  }

  record(queue: number, ms: number): void {
    recordMs((this.histograms[queue] ??= createHistogram(2)), ms);
  }

  /** Encoded, by subscription name, for the queues this thread received from. */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {};
    this.names.forEach((name, i) => {
      const h = this.histograms[i];
      if (h?.totalCount) out[name] = encode(h);
    });
    return out;
  }
}

/**
 * A subscription that saw nothing of a run the others saw would have no entry of it, and its loss
 * would go uncounted: the drain polled it, so it says so with an empty entry (nothing seen) for
 * every (run, shard) another subscription saw.
 */
export function everySubscription(integrity: IntegrityJson[], subscriptions: string[]): IntegrityJson[] {
  const have = new Set(integrity.filter((e) => e.subscription !== undefined).map((e) => `${e.runId}\u0000${e.shard}\u0000${e.subscription}`));
  const added: IntegrityJson[] = [];
  const shardsSeen = new Map<string, IntegrityJson>();
  for (const e of integrity) if (e.subscription !== undefined) shardsSeen.set(`${e.runId}\u0000${e.shard}`, e);
  for (const e of shardsSeen.values()) {
    for (const sub of subscriptions) {
      if (have.has(`${e.runId}\u0000${e.shard}\u0000${sub}`)) continue;
      added.push({ runId: e.runId, shard: e.shard, subscription: sub, shards: e.shards, of: e.of, total: e.total, distinct: 0, duplicates: 0, maxSeq: -1, seen: '' });
    }
  }
  return added.length ? [...integrity, ...added] : integrity;
}
