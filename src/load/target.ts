/** The timeline's `target` series: what the schedule asked for in each wall-clock second, beside `sent`. */
import type { SharedState } from '../metrics/live.js';
import type { Timeline } from '../metrics/timeline.js';
import { monoNow } from './clock.js';
import { Schedule, type SchedulePlan } from './schedule.js';
import { scheduleStart } from './start.js';

/** startEpoch: the schedule's t=0; endEpoch: when the run ended (an open-ended --rate stops there). */
export function recordTarget(timeline: Timeline, plan: SchedulePlan, startEpoch: number, endEpoch: number): void {
  const schedule = new Schedule(plan);
  if (!schedule.paced) return;
  const last = Math.min(endEpoch, startEpoch + schedule.endMs);
  for (let second = timeline.start; second < last; second += 1000) {
    const from = Math.max(second, startEpoch) - startEpoch;
    const to = Math.min(second + 1000, last) - startEpoch;
    if (to <= 0) continue;
    // Rounded per second: the series is read as messages, and k6-style ramps give fractions.
    timeline.add('target', second, Math.round(schedule.dueBy(to) - schedule.dueBy(from)));
  }
}

/** The schedule's rate at the moment of each call (0 before its start, or unpaced): a --stages ramp moves, so a gauge reads it per scrape. */
export function targetNow(plan: SchedulePlan | undefined, state: SharedState): () => number {
  const schedule = plan && new Schedule(plan);
  if (!schedule?.paced) return () => 0;
  return () => {
    const t0 = scheduleStart(state);
    return t0 === undefined ? 0 : schedule.rateAt(monoNow() - t0);
  };
}
