/**
 * What /metrics and the dashboard read, in one place: while the load runs, the shared live
 * counters, latency buckets and errors by code (metrics/live.ts, observe/); once the result is
 * final, its exact figures. Duplicates are known only then (the integrity bitmaps merge at the
 * end), so they read 0 until the result is in.
 */
import type { LatencyName } from '../metrics/latencies.js';
import type { LiveView, SharedState } from '../metrics/live.js';
import type { Result } from '../result/document.js';
import type { ConsumerFeed } from './consumer-feed.js';
import type { QueueDepth } from '../sqs/depth.js';
import { throttleCount } from '../sqs/error-codes.js';
import { foldErrorCodes, readErrorCodes } from '../metrics/error-code-slots.js';
import { readBuckets, type BucketTotals } from '../metrics/latency-buckets.js';

export interface RunLabels {
  run_id: string;
  shard: string;
  command: string;
}

export interface LiveCounts {
  sent: number;
  failed: number;
  received: number;
  deleted: number;
  duplicates: number;
  throttles: number;
  retries: number;
  errors: Record<string, number>;
}

export class LiveSource {
  /** The last queue depths seen (the run's depth sampler), by queue URL. */
  depths: QueueDepth[] = [];
  result?: Result;
  /** send --observe: the DLQs' depths and, after the settle, the consumers' figures. */
  consumers?: ConsumerFeed;

  constructor(
    readonly labels: RunLabels,
    private readonly live: LiveView,
    private readonly state: SharedState,
    /** This process's target msg/s now (0: as fast as it goes, or not started). */
    readonly targetRate: () => number,
  ) {}

  counts(): LiveCounts {
    const r = this.result;
    if (r) {
      const errors = foldErrorCodes(r.errors);
      return { sent: r.sent, failed: r.failed, received: r.received, deleted: r.deleted, duplicates: r.duplicates, throttles: throttleCount(r.errors), retries: r.retries, errors };
    }
    const v = this.live;
    return {
      sent: v.sum('sent'),
      failed: v.sum('failed'),
      received: v.sum('received'),
      deleted: v.sum('deleted'),
      duplicates: 0,
      throttles: v.sum('throttles'),
      retries: v.sum('retries'),
      errors: readErrorCodes(this.state.errorCodes, this.state.rows),
    };
  }

  /** Latency buckets: a latency is counted here as it enters the worker's histogram, so these are exact at the end too. */
  buckets(name: LatencyName): BucketTotals {
    return readBuckets(this.state.latency, this.state.rows, name);
  }

  inflight(): number {
    return this.result ? 0 : this.live.sum('inflight');
  }

  /** Worker loop busy and observed ms so far (all threads). */
  loop(): { busyMs: number; observedMs: number } {
    return { busyMs: this.live.sum('loopBusyMs'), observedMs: this.live.sum('loopMs') };
  }
}
