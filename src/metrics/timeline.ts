/**
 * Per-second counters for a run: one slot per second since the run's start for each series,
 * so memory grows with the run's length, never with its message count. Timelines from threads
 * and pods merge by adding slots that share a wall-clock second.
 */
export type Series = 'sent' | 'failed' | 'received' | 'deleted' | 'errors' | 'throttles' | 'retries';

export interface TimelineJson {
  /** Epoch ms of slot 0 (a whole second). */
  start: number;
  series: Partial<Record<Series, number[]>>;
}

export class Timeline {
  readonly start: number;
  private readonly data = new Map<Series, number[]>();

  constructor(startMs: number) {
    this.start = Math.floor(startMs / 1000) * 1000;
  }

  add(series: Series, nowMs: number, n = 1): void {
    const slot = Math.max(0, Math.floor((nowMs - this.start) / 1000));
    let arr = this.data.get(series);
    if (!arr) this.data.set(series, (arr = []));
    while (arr.length <= slot) arr.push(0);
    arr[slot] += n;
  }

  toJSON(): TimelineJson {
    return { start: this.start, series: Object.fromEntries(this.data) };
  }
}

export function mergeTimelines(parts: Array<TimelineJson | undefined>): TimelineJson | undefined {
  const present = parts.filter((p): p is TimelineJson => Boolean(p));
  if (!present.length) return undefined;
  const start = Math.min(...present.map((p) => p.start));
  const series: Partial<Record<Series, number[]>> = {};
  for (const p of present) {
    const offset = Math.round((p.start - start) / 1000);
    for (const [name, values] of Object.entries(p.series) as Array<[Series, number[]]>) {
      const into = (series[name] ??= []);
      values.forEach((v, i) => {
        while (into.length <= i + offset) into.push(0);
        into[i + offset] += v;
      });
    }
  }
  return { start, series };
}
