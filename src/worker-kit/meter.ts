/**
 * A worker's one place to record what happened. Each fact is recorded once, and goes where
 * metrics/tally.ts says it is shown: the worker's Tally (its final answer), the shared live
 * counters (progress and the main thread's stop rules) and the per-second timeline (charts).
 * The meter also samples the worker's event-loop busy time into that timeline.
 *
 * Counters and latencies are handed out as recorders the worker keeps: recording is then a call
 * on a small object with fixed fields, not a lookup by name (name lookups at one call site for
 * many names are V8's slow, megamorphic kind; the drain records per message).
 */
import { bump, type CountMap } from '../metrics/counters.js';
import { createHistogram, encode, recordMs } from '../metrics/histogram.js';
import type { IntegrityJson } from '../metrics/integrity.js';
import type { Field, LiveRow } from '../metrics/live.js';
import { LoopMeter } from '../metrics/loop.js';
import { ErrorCodeWriter } from '../metrics/error-code-slots.js';
import { BucketWriter } from '../metrics/latency-buckets.js';
import { LATENCIES, type LatencyName } from '../metrics/latencies.js';
import { COUNTERS, emptyTally, type CostCounter, type Counter, type CounterDisplay, type Tally } from '../metrics/tally.js';
import { Timeline } from '../metrics/timeline.js';
import { isThrottle } from '../sqs/error-codes.js';

const DISPLAY: Record<Counter, CounterDisplay> = COUNTERS;

/** One counter: its running value, and where else it shows. */
export class CountRecorder {
  value = 0;

  constructor(
    private readonly live: LiveRow,
    private readonly liveField: Field | undefined,
    private readonly timeline: Timeline,
    private readonly series: string | undefined,
  ) {}

  add(n: number, at: number): void {
    this.value += n;
    if (this.liveField !== undefined) this.live.add(this.liveField, n);
    if (this.series !== undefined) this.timeline.add(this.series, at, n);
  }
}

/** One latency histogram, its live buckets (/metrics), and its per-second copy in the timeline if it keeps one. */
export class LatencyRecorder {
  readonly histogram = createHistogram();
  private readonly perSecond: boolean;

  constructor(
    readonly name: LatencyName,
    private readonly timeline: Timeline,
    private readonly buckets: BucketWriter,
  ) {
    this.perSecond = LATENCIES[name].perSecond;
  }

  record(at: number, ms: number): void {
    recordMs(this.histogram, ms);
    this.buckets.record(ms);
    if (this.perSecond) this.timeline.recordLatency(this.name, at, ms);
  }
}

/** What a worker adds to its meter's counts: its integrity entries, order violations, sizes. */
export interface TallyExtras {
  integrity?: IntegrityJson[];
  orderViolations?: number | null;
  sizes?: CountMap;
  subscriptionE2e?: Record<string, string>;
}

export class Meter {
  private readonly timeline: Timeline;
  private readonly loop: LoopMeter;
  private sampling = true;
  private readonly counters = new Map<Counter, CountRecorder>();
  private readonly costs = new Map<CostCounter, CountRecorder>();
  private readonly latencies = new Map<LatencyName, LatencyRecorder>();
  private readonly errors: CountMap = {};
  private readonly failures: CountMap = {};
  private readonly failed: CountRecorder;
  private readonly liveCodes: ErrorCodeWriter;

  /** `latencies`: the histograms this worker records (each is in its result, even if empty); `side`: whose loop this is. */
  constructor(
    private readonly live: LiveRow,
    startMs: number,
    latencies: LatencyName[],
    side?: 'send' | 'drain',
  ) {
    this.timeline = new Timeline(startMs);
    this.loop = new LoopMeter(
      this.timeline,
      (busyMs, observedMs) => {
        live.add('loopBusyMs', busyMs);
        live.add('loopMs', observedMs);
      },
      side,
    );
    this.liveCodes = new ErrorCodeWriter(live.state.errorCodes, live.index);
    for (const name of latencies) this.latencies.set(name, new LatencyRecorder(name, this.timeline, new BucketWriter(live.state.latency, live.index, name)));
    this.failed = this.counter('failed');
  }

  /** A counter of the result (metrics/tally.ts COUNTERS). */
  counter(name: Counter): CountRecorder {
    let c = this.counters.get(name);
    if (!c) this.counters.set(name, (c = new CountRecorder(this.live, DISPLAY[name].live, this.timeline, DISPLAY[name].timeline)));
    return c;
  }

  /** Billed requests (the result's cost): in the result only. */
  cost(name: CostCounter): CountRecorder {
    let c = this.costs.get(name);
    if (!c) this.costs.set(name, (c = new CountRecorder(this.live, undefined, this.timeline, undefined)));
    return c;
  }

  /** The recorder of one of this worker's latencies. */
  latency(name: LatencyName): LatencyRecorder {
    const recorder = this.latencies.get(name);
    if (!recorder) throw new Error(`this worker's meter records no ${name} latency`);
    return recorder;
  }

  /** One error event (retried or not): by code, live, and per second, with throttles apart. */
  error(code: string, at: number): void {
    bump(this.errors, code);
    this.liveCodes.add(code);
    this.live.add('errors');
    this.timeline.add('errors', at);
    this.timeline.add(`error:${code}`, at);
    if (isThrottle(code)) {
      this.live.add('throttles');
      this.timeline.add('throttles', at);
    }
  }

  /** Messages that end failed, under the code of their last error. */
  fail(n: number, code: string, at: number): void {
    this.failed.add(n, at);
    bump(this.failures, code, n);
  }

  /** Stops sampling the event loop (recording its last partial interval); once is enough. */
  stopSampling(): void {
    if (this.sampling) this.loop.stop();
    this.sampling = false;
  }

  /** What was recorded, as a Tally (sampling stops here if it has not yet). */
  finish(extra: TallyExtras = {}): Tally {
    this.stopSampling();
    return this.tally(extra, this.timeline.toJSON());
  }

  /** What was recorded so far, while recording goes on: a checkpoint's share of this worker. */
  snapshot(extra: TallyExtras = {}): Tally {
    return this.tally(extra, this.timeline.snapshot());
  }

  private tally(extra: TallyExtras, timeline: Tally['timeline']): Tally {
    const tally = emptyTally();
    for (const [name, c] of this.counters) tally[name] = c.value;
    for (const [name, c] of this.costs) tally.cost[name] = c.value;
    for (const [name, r] of this.latencies) tally.histograms[name] = encode(r.histogram);
    tally.errors = this.errors;
    tally.failures = this.failures;
    tally.integrity = extra.integrity ?? [];
    tally.orderViolations = extra.orderViolations ?? null;
    tally.sizes = extra.sizes ?? {};
    if (extra.subscriptionE2e) tally.subscriptionE2e = extra.subscriptionE2e;
    tally.timeline = timeline;
    return tally;
  }
}
