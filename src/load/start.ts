/**
 * The schedule starts when every send worker of the process is ready (thread up, modules loaded),
 * not when the main thread asked for them: otherwise the first calls carry start-up as latency.
 * The last worker to arrive sets the start on the shared monotonic clock; the others wait for it.
 */
import { CONTROL, type SharedState } from '../metrics/live.js';
import { monoNow, monoOf } from './clock.js';

/** Margin so that every waiting worker is awake before the first batch is due. */
const WAKE_MS = 2;
const POLL_MS = 50;

/** Node 20 has Atomics.waitAsync; the TypeScript lib of this project predates it. */
type WaitAsync = (a: Int32Array, index: number, value: number, timeoutMs: number) => { value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * Arrive, wait for the others, and answer the schedule's start (monotonic ms); undefined if the
 * run stopped first. `notBefore` (epoch ms) holds the start back to a moment shared with other
 * processes; the lanes then wait for their first batch's due time as for any other.
 */
export async function startTogether(state: SharedState, workers: number, notBefore?: number): Promise<number | undefined> {
  const control = new Int32Array(state.control);
  const clock = new Float64Array(state.clock);
  if (Atomics.add(control, CONTROL.ready, 1) + 1 >= workers) {
    clock[0] = Math.max(monoNow() + WAKE_MS, notBefore === undefined ? -Infinity : monoOf(notBefore));
    Atomics.store(control, CONTROL.started, 1);
    Atomics.notify(control, CONTROL.started);
  }
  while (Atomics.load(control, CONTROL.started) === 0) {
    if (Atomics.load(control, CONTROL.stop) !== 0) return undefined;
    await waitAsync(control, CONTROL.started, 0, POLL_MS).value;
  }
  return clock[0];
}

/** The main thread's read of the start (undefined until the workers set it). */
export function scheduleStart(state: SharedState): number | undefined {
  return Atomics.load(new Int32Array(state.control), CONTROL.started) === 1 ? new Float64Array(state.clock)[0] : undefined;
}
