/**
 * Per-second facts about a run: counters (sent, received, errors by code, in flight…), one small
 * latency histogram per second, and sparse queue-depth samples. Memory grows with the run's length
 * (one slot per second), never with its message count. Timelines from threads and pods merge by
 * wall-clock second: counters add, histograms add, depth samples interleave.
 */
import { createHistogram, decode, encode, recordMs, type Histogram } from './histogram.js';

/** Epoch ms with sub-millisecond precision: the clock of every timeline and latency. */
export const now = (): number => performance.timeOrigin + performance.now();

export interface DepthSample {
  t: number;
  visible: number;
  inFlight: number;
  delayed: number;
  /** Messages in the queues' DLQs at the same moment (burst --consumer external samples them). */
  dlq?: number;
}

export interface TimelineJson {
  /** Epoch ms of slot 0 (a whole second). */
  start: number;
  /** Counters per second: sent, failed, received, deleted, errors, throttles, retries, inflight, error:<Code>. */
  series: Record<string, number[]>;
  /** Per-second latency histograms (HdrHistogram compressed base64, µs), by name: sendCall, e2e. */
  latency?: Record<string, Array<string | null>>;
  depth?: DepthSample[];
}

const secondHistogram = (): Histogram => createHistogram(2);

export class Timeline {
  readonly start: number;
  private readonly data = new Map<string, number[]>();
  private readonly latency = new Map<string, Array<string | null>>();
  private readonly open = new Map<string, { slot: number; h: Histogram }>();
  private readonly depth: DepthSample[] = [];

  constructor(startMs: number) {
    this.start = Math.floor(startMs / 1000) * 1000;
  }

  private slotOf(nowMs: number): number {
    return Math.max(0, Math.floor((nowMs - this.start) / 1000));
  }

  add(series: string, nowMs: number, n = 1): void {
    const slot = this.slotOf(nowMs);
    let arr = this.data.get(series);
    if (!arr) this.data.set(series, (arr = []));
    while (arr.length <= slot) arr.push(0);
    arr[slot] += n;
  }

  /** Keep the largest value seen in each second (gauges such as calls in flight). */
  max(series: string, nowMs: number, value: number): void {
    const slot = this.slotOf(nowMs);
    let arr = this.data.get(series);
    if (!arr) this.data.set(series, (arr = []));
    while (arr.length <= slot) arr.push(0);
    if (value > arr[slot]) arr[slot] = value;
  }

  recordLatency(name: string, nowMs: number, ms: number): void {
    const slot = this.slotOf(nowMs);
    let cur = this.open.get(name);
    if (cur && cur.slot !== slot) {
      this.close(name, cur.slot, cur.h);
      cur = undefined;
    }
    if (!cur) this.open.set(name, (cur = { slot, h: secondHistogram() }));
    recordMs(cur.h, ms);
  }

  private close(name: string, slot: number, h: Histogram): void {
    let arr = this.latency.get(name);
    if (!arr) this.latency.set(name, (arr = []));
    while (arr.length <= slot) arr.push(null);
    arr[slot] = encode(h);
  }

  sampleDepth(sample: DepthSample): void {
    this.depth.push(sample);
  }

  toJSON(): TimelineJson {
    for (const [name, cur] of this.open) this.close(name, cur.slot, cur.h);
    this.open.clear();
    return this.snapshot();
  }

  /** The timeline so far, the open second included, leaving it open (a checkpoint while the run goes on). */
  snapshot(): TimelineJson {
    const json: TimelineJson = { start: this.start, series: Object.fromEntries([...this.data].map(([k, v]) => [k, [...v]])) };
    const latency = new Map([...this.latency].map(([k, v]) => [k, [...v]]));
    for (const [name, cur] of this.open) {
      let arr = latency.get(name);
      if (!arr) latency.set(name, (arr = []));
      while (arr.length <= cur.slot) arr.push(null);
      arr[cur.slot] = encode(cur.h);
    }
    if (latency.size) json.latency = Object.fromEntries(latency);
    if (this.depth.length) json.depth = [...this.depth];
    return json;
  }
}

export function mergeTimelines(parts: Array<TimelineJson | undefined>): TimelineJson | undefined {
  const present = parts.filter((p): p is TimelineJson => Boolean(p));
  if (!present.length) return undefined;
  const start = Math.min(...present.map((p) => p.start));
  const series: Record<string, number[]> = {};
  const latencyParts: Record<string, Array<Array<string>>> = {};
  const depth: DepthSample[] = [];
  for (const p of present) {
    const offset = Math.round((p.start - start) / 1000);
    for (const [name, values] of Object.entries(p.series)) {
      const into = (series[name] ??= []);
      values.forEach((v, i) => {
        while (into.length <= i + offset) into.push(0);
        into[i + offset] += v;
      });
    }
    for (const [name, values] of Object.entries(p.latency ?? {})) {
      const into = (latencyParts[name] ??= []);
      values.forEach((v, i) => {
        if (!v) return;
        while (into.length <= i + offset) into.push([]);
        into[i + offset].push(v);
      });
    }
    depth.push(...(p.depth ?? []));
  }
  const json: TimelineJson = { start, series };
  const names = Object.keys(latencyParts);
  if (names.length) {
    json.latency = {};
    for (const name of names) {
      json.latency[name] = latencyParts[name].map((list) => {
        if (!list.length) return null;
        if (list.length === 1) return list[0];
        const total = secondHistogram();
        for (const e of list) total.add(decode(e));
        return encode(total);
      });
    }
  }
  if (depth.length) json.depth = depth.sort((a, b) => a.t - b.t);
  return json;
}
