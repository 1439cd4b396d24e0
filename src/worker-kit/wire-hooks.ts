/**
 * What a worker thread's wire reports to the run: it signs at the process's one clock offset (a
 * slot of the shared control block, so a skew found by one thread is corrected for all), counts
 * credential refreshes in the tally, and meters the refusals it recovered from as error events
 * (retried, never failed), so a skewed clock or short-lived credentials show in the result.
 */
import { CONTROL, type SharedState } from '../metrics/live.js';
import { now } from '../metrics/timeline.js';
import { SharedClockOffset } from '../sqs/clock-offset.js';
import type { WireHooks } from '../sqs/wire.js';
import type { Meter } from './meter.js';

export function wireHooks(state: SharedState, meter: Meter): WireHooks {
  const refreshes = meter.counter('credentialRefreshes');
  return {
    clock: new SharedClockOffset(new Int32Array(state.control), CONTROL.clockOffset),
    onRefresh: () => refreshes.add(1, now()),
    onRecovered: (code) => meter.error(code, now()),
  };
}
