/**
 * When batch k starts (open model). One plan is shared by every worker of a process, and every
 * shard derives its plan the same way from the same flags, so all of them follow one schedule:
 * a warm-up, then either a constant --rate or --stages (k6's ramping-arrival-rate: each stage
 * ramps linearly from the previous target to its own over its duration, starting from 0).
 *
 * Times are ms after the schedule's start; message n is due when the integral of the rate
 * reaches n. Finding it is a walk over a handful of segments and one square root: no allocation.
 */

/** One stretch of the schedule: the rate goes linearly from `from` to `to` msg/s over `durationMs`. */
export interface Segment {
  durationMs: number;
  from: number;
  to: number;
}

/** What a worker needs to pace (plain data: it travels to worker threads). */
export interface SchedulePlan {
  /** Calls that start in the first warmupMs are warm-up: not in histograms nor throughput. */
  warmupMs: number;
  /** Paced segments after t=0 (the warm-up is the first of them when paced); empty: as fast as possible. */
  segments: Segment[];
  /** No new batch starts at or after this (ms after the start; Infinity: no end). */
  endMs: number;
  /**
   * Epoch ms before which t=0 may not be: a sharded burst's step starts at the same moment in
   * every pod, not whenever each pod's workers happen to be ready.
   */
  notBefore?: number;
}

export interface Stage {
  durationMs: number;
  target: number;
}

/**
 * The plan for a shard. `rate` and stage targets are this shard's share already. A paced warm-up
 * runs at the --rate, or at the first stage's target; the stages or --duration follow it.
 */
export function planSchedule(opts: { rate?: number; stages?: Stage[]; warmupMs: number; durationMs?: number }): SchedulePlan {
  const { rate, stages, warmupMs, durationMs } = opts;
  const segments: Segment[] = [];
  let endMs = durationMs !== undefined ? warmupMs + durationMs : Infinity;
  if (stages?.length) {
    if (warmupMs > 0) segments.push({ durationMs: warmupMs, from: stages[0].target, to: stages[0].target });
    let previous = 0;
    let length = warmupMs;
    for (const s of stages) {
      segments.push({ durationMs: s.durationMs, from: previous, to: s.target });
      previous = s.target;
      length += s.durationMs;
    }
    endMs = Math.min(endMs, length);
  } else if (rate !== undefined) {
    segments.push({ durationMs: Infinity, from: rate, to: rate });
  }
  return { warmupMs, segments, endMs };
}

export class Schedule {
  readonly paced: boolean;
  readonly warmupMs: number;
  readonly endMs: number;
  private readonly segments: Segment[];
  /** Messages due before each segment starts. */
  private readonly before: number[];
  /** ms at which each segment starts. */
  private readonly startsAt: number[];

  constructor(plan: SchedulePlan) {
    this.segments = plan.segments;
    this.warmupMs = plan.warmupMs;
    this.endMs = plan.endMs;
    this.paced = plan.segments.length > 0;
    this.before = [];
    this.startsAt = [];
    let n = 0;
    let t = 0;
    for (const s of plan.segments) {
      this.before.push(n);
      this.startsAt.push(t);
      n += ((s.from + s.to) / 2) * (s.durationMs / 1000);
      t += s.durationMs;
    }
  }

  /** ms after the start at which message n is due; Infinity if the schedule never reaches it. */
  dueAt(n: number): number {
    const segs = this.segments;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i];
      const m = n - this.before[i];
      const area = ((s.from + s.to) / 2) * (s.durationMs / 1000);
      if (m >= area && i < segs.length - 1) continue;
      if (m >= area && s.durationMs !== Infinity) return Infinity;
      // Within the segment: from*t + k*t² = m, k = (to-from)/(2D) per s²; this form of the root
      // holds for rising, flat and falling ramps alike and needs no special case for k = 0.
      const k = s.durationMs === Infinity ? 0 : (s.to - s.from) / (2 * (s.durationMs / 1000));
      const disc = s.from * s.from + 4 * k * m;
      const denom = s.from + Math.sqrt(disc > 0 ? disc : 0);
      if (denom <= 0) return m <= 0 ? this.startsAt[i] : Infinity;
      return this.startsAt[i] + ((2 * m) / denom) * 1000;
    }
    return Infinity;
  }

  /** Messages due in [0, ms): the integral of the rate (the timeline's `target`). */
  dueBy(ms: number): number {
    let n = 0;
    const end = Math.min(ms, this.endMs);
    for (let i = 0; i < this.segments.length; i++) {
      const s = this.segments[i];
      const t0 = this.startsAt[i];
      if (end <= t0) break;
      const d = Math.min(end - t0, s.durationMs) / 1000;
      const slope = s.durationMs === Infinity ? 0 : (s.to - s.from) / (s.durationMs / 1000);
      n += s.from * d + (slope * d * d) / 2;
    }
    return n;
  }

  /** The target rate (msg/s) at ms after the start. */
  rateAt(ms: number): number {
    if (ms < 0 || ms >= this.endMs) return 0;
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i];
      if (ms >= this.startsAt[i]) return s.durationMs === Infinity ? s.from : s.from + ((s.to - s.from) * (ms - this.startsAt[i])) / s.durationMs;
    }
    return 0;
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, '': 1000 };

/** `30s:1000,2m:20000,30s:0` → stages; null when the text is not that shape. */
export function parseStages(text: string): Stage[] | null {
  const stages: Stage[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h|)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m) return null;
    const durationMs = Number(m[1]) * UNIT_MS[m[2]];
    if (!(durationMs > 0)) return null;
    stages.push({ durationMs, target: Number(m[3]) });
  }
  return stages.length ? stages : null;
}
