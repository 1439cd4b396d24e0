/**
 * Waiting for a batch's intended start. A timer alone can fire early: Node schedules it from the
 * event loop's cached time, which is stale by however long the current turn has run, so a batch
 * could leave before its intended start and its latency (counted from that start) would read below
 * what happened. The timer covers most of the wait; the last stretch is checked against the
 * monotonic clock in setImmediate turns, which let replies in meanwhile.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { sleep } from './sleep.js';
import { monoNow } from './clock.js';

/** How early the timer is asked to fire: more than its usual lateness, less than a turn's cost matters. */
const TIMER_MARGIN_MS = 1;

/** Resolves at or after `due` (monotonic ms), or when `signal` aborts. */
export async function waitUntil(due: number, signal: AbortSignal): Promise<void> {
  for (let left = due - monoNow(); left > 0 && !signal.aborted; left = due - monoNow()) {
    if (left > TIMER_MARGIN_MS * 2) await sleep(left - TIMER_MARGIN_MS, signal);
    else await nextTurn();
  }
}

/**
 * How early a paced batch may leave: it then counts from the moment it really left (see
 * waitNear), so leaving early costs nothing in truth, and the schedule's rate is unchanged.
 */
export const EARLY_OK_MS = 0.5;

/**
 * Resolves within EARLY_OK_MS before `due` or at any time after it, or when `signal` aborts, on
 * timers alone. Spinning the last stretch (as waitUntil does) is exact but keeps the thread
 * busy: at 500 paced calls a second one worker spun a whole core, and its event loop read
 * saturated while it idled, which would call a client limited that was not. The caller times a
 * batch from min(intended, now): from the intended start when late (the open model), from the
 * real start when early, so no latency reads below what happened.
 */
export async function waitNear(due: number, signal: AbortSignal): Promise<void> {
  for (let left = due - monoNow(); left > EARLY_OK_MS && !signal.aborted; left = due - monoNow()) {
    await sleep(Math.max(1, Math.floor(left - EARLY_OK_MS)), signal);
  }
}
