/**
 * The one clock of the open-model schedule and of every send latency. performance.now() counts
 * from each thread's own origin, and performance.timeOrigin is a wall-clock reading taken when the
 * thread started, so `timeOrigin + now()` in two threads can disagree by milliseconds: a schedule
 * set in one thread and measured in another then reports latencies below what happened.
 * process.hrtime and performance.now() both read CLOCK_MONOTONIC, so one offset per thread,
 * calibrated once at load, makes performance.now() comparable across threads without a BigInt
 * per call.
 */
const offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();

/** Monotonic ms, the same clock in every thread of the process (an arbitrary zero, not epoch). */
export const monoNow = (): number => performance.now() + offset;

/** Epoch ms minus monotonic ms in this thread: only for placing a moment in a wall-clock second. */
const epochOffset = Date.now() - monoNow();

/** The wall-clock ms of a monotonic moment (to a millisecond: good for per-second slots, not for latency). */
export const epochOf = (mono: number): number => mono + epochOffset;

/** The monotonic moment of an epoch ms in this thread (same caveat). */
export const monoOf = (epoch: number): number => epoch - epochOffset;
