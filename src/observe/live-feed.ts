/**
 * The dashboard's data while the run goes on: once a second, what the shared live counters and
 * latency buckets moved by, kept as a timeline of the same shape a result carries, so the live
 * page is drawn by the report's own chart code (report/html.ts). Latencies here are bucket upper
 * bounds (metrics/latency-buckets.ts), "at most" figures; the final report's are exact.
 * Memory grows with the run's seconds, not its messages; the page shows the last WINDOW_SECONDS.
 */
import * as hdr from 'hdr-histogram-js';
import { createHistogram, encode } from '../metrics/histogram.js';
import { LATENCY_NAMES, LATENCY_ROWS, type LatencyName } from '../metrics/latencies.js';
import { mergeTimelines, type Timeline, type TimelineJson } from '../metrics/timeline.js';
import { emptyResult, finalize, type Kind, type Result } from '../result/document.js';
import { BOUNDS_SECONDS, type BucketTotals } from '../metrics/latency-buckets.js';
import type { LiveCounts, LiveSource } from './live-source.js';

const PER_SECOND: LatencyName[] = LATENCY_ROWS.filter((l) => l.perSecond).map((l) => l.key);
/** The live charts show the last ten minutes: redrawing an hour each second would cost the main thread. */
export const WINDOW_SECONDS = 600;
/** What a +Inf bucket's latencies are drawn at (above the last bound). */
const OVERFLOW_SECONDS = 120;

/** An HDR histogram (µs) holding each bucket's count at its upper bound. */
export function histogramOfBuckets(counts: number[], significantDigits: 2 | 3 = 3): hdr.Histogram {
  const h = createHistogram(significantDigits);
  counts.forEach((n, i) => {
    if (n > 0) h.recordValueWithCount(Math.round((i < BOUNDS_SECONDS.length ? BOUNDS_SECONDS[i] : OVERFLOW_SECONDS) * 1e6), n);
  });
  return h;
}

/** A timeline's last `n` seconds. */
export function lastSeconds(t: TimelineJson, n: number): TimelineJson {
  const length = Math.max(0, ...Object.values(t.series).map((v) => v.length), ...Object.values(t.latency ?? {}).map((v) => v.length));
  const cut = Math.max(0, length - n);
  if (!cut) return t;
  const start = t.start + cut * 1000;
  const out: TimelineJson = { start, series: Object.fromEntries(Object.entries(t.series).map(([k, v]) => [k, v.slice(cut)])) };
  if (t.latency) out.latency = Object.fromEntries(Object.entries(t.latency).map(([k, v]) => [k, v.slice(cut)]));
  if (t.depth) out.depth = t.depth.filter((d) => d.t >= start);
  return out;
}

export class LiveFeed {
  private readonly start: number;
  private readonly series: Record<string, number[]> = {};
  private readonly latency: Record<string, Array<string | null>> = {};
  private last: { counts: LiveCounts; loop: { busyMs: number; observedMs: number }; buckets: Map<LatencyName, BucketTotals> };
  private readonly timer: NodeJS.Timeout;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly source: LiveSource,
    private readonly kind: Kind,
    private readonly startMs: number,
    /** The main thread's timeline (depth, calls in flight, CPU). */
    private readonly main: Timeline,
  ) {
    this.start = Math.floor(startMs / 1000) * 1000;
    this.last = this.read();
    this.timer = setInterval(() => this.tick(), 1000);
  }

  /** Called after every second's figures are in. */
  onTick(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private read() {
    return { counts: this.source.counts(), loop: this.source.loop(), buckets: new Map(PER_SECOND.map((n) => [n, this.source.buckets(n)])) };
  }

  private tick(): void {
    const now = this.read();
    const slot = Math.max(0, Math.floor((Date.now() - 500 - this.start) / 1000));
    const put = (name: string, v: number) => {
      const arr = (this.series[name] ??= []);
      while (arr.length <= slot) arr.push(0);
      arr[slot] += v;
    };
    const [a, b] = [now.counts, this.last.counts];
    put('sent', a.sent - b.sent);
    put('received', a.received - b.received);
    if (a.failed) put('failed', a.failed - b.failed);
    for (const [code, n] of Object.entries(a.errors)) put(`error:${code}`, n - (b.errors[code] ?? 0));
    put('loopBusyMs', now.loop.busyMs - this.last.loop.busyMs);
    put('loopMs', now.loop.observedMs - this.last.loop.observedMs);
    for (const name of PER_SECOND) {
      const cur = now.buckets.get(name)!;
      const prev = this.last.buckets.get(name)!;
      if (cur.count === 0) continue;
      const arr = (this.latency[name] ??= []);
      while (arr.length <= slot) arr.push(null);
      const delta = cur.counts.map((n, i) => n - prev.counts[i]);
      arr[slot] = delta.some((n) => n > 0) ? encode(histogramOfBuckets(delta, 2)) : null;
    }
    this.last = now;
    for (const l of this.listeners) l();
  }

  /** The run so far as a result (no verdict yet): what the live page draws. */
  snapshot(): Result {
    const s = this.source.labels;
    const r = emptyResult(this.kind, s.run_id, Number(s.shard));
    const c = this.source.counts();
    Object.assign(r, { sent: c.sent, failed: c.failed, received: c.received, deleted: c.deleted, retries: c.retries, errors: c.errors });
    r.startedAt = this.startMs;
    r.endedAt = Date.now();
    if (this.kind !== 'drain') r.phases.send = { startedAt: this.startMs, endedAt: r.endedAt };
    if (this.kind !== 'send') r.phases.drain = { startedAt: this.startMs, endedAt: r.endedAt };
    for (const name of LATENCY_NAMES) {
      const b = this.source.buckets(name);
      if (b.count) r.histograms[name] = encode(histogramOfBuckets(b.counts));
    }
    const own: TimelineJson = { start: this.start, series: this.series, latency: this.latency };
    r.timeline = lastSeconds(mergeTimelines([own, this.main.toJSON()])!, WINDOW_SECONDS);
    finalize(r);
    // Missing messages are judged from integrity bitmaps the workers return at the end: not yet.
    r.partial = true;
    r.missing = 0;
    return r;
  }
}
