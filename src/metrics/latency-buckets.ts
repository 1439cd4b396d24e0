/**
 * Live latency histograms for /metrics and the dashboard. The HDR histograms a worker keeps are
 * only seen when it returns, so each worker also counts its latencies into fixed Prometheus
 * buckets in shared memory: one row per worker, written only by that worker, read by the main
 * thread on a scrape. Recording is a short scan over the bounds and two adds (no allocation);
 * a latency lands here exactly when it lands in the worker's HDR histogram, so the bucket total
 * equals the result's histogram count once the workers are done.
 */
import { LATENCY_NAMES, type LatencyName } from './latencies.js';

// Every latency of metrics/latencies.ts is kept live, in its table order.

/** Upper bounds in seconds, chosen for SQS: ~1 ms on loopback up to long polls and retries of tens of seconds. */
export const BOUNDS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60] as const;
const BOUNDS_MS = BOUNDS_SECONDS.map((s) => s * 1000);
/** Per latency: one slot per bound, one for +Inf, then the sum in ms. */
const SLOTS = BOUNDS_MS.length + 2;
const SUM = SLOTS - 1;
const PER_ROW = LATENCY_NAMES.length * SLOTS;

export function createLatencyBuffer(rows: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(1, rows) * PER_ROW * 8);
}

/** A worker's buckets for one latency. */
export class BucketWriter {
  private readonly slots: Float64Array;

  constructor(buffer: SharedArrayBuffer, row: number, name: LatencyName) {
    this.slots = new Float64Array(buffer, (row * PER_ROW + LATENCY_NAMES.indexOf(name) * SLOTS) * 8, SLOTS);
  }

  record(ms: number): void {
    let i = 0;
    while (i < BOUNDS_MS.length && ms > BOUNDS_MS[i]) i++;
    this.slots[i]++;
    this.slots[SUM] += ms;
  }
}

/** Counts per bucket (not cumulative; the last is +Inf) and the sum in seconds, over all rows. */
export interface BucketTotals {
  counts: number[];
  count: number;
  sumSeconds: number;
}

export function readBuckets(buffer: SharedArrayBuffer, rows: number, name: LatencyName): BucketTotals {
  const all = new Float64Array(buffer);
  const base = LATENCY_NAMES.indexOf(name) * SLOTS;
  const counts = new Array<number>(SUM).fill(0);
  let sumMs = 0;
  for (let r = 0; r < rows; r++) {
    const at = r * PER_ROW + base;
    for (let i = 0; i < SUM; i++) counts[i] += all[at + i];
    sumMs += all[at + SUM];
  }
  return { counts, count: counts.reduce((a, b) => a + b, 0), sumSeconds: sumMs / 1000 };
}
