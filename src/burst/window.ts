/**
 * What a burst step did inside its judged window (after its warm-up, before its end), read from
 * the per-second timeline the run recorded: the worker loops' busy share and, with --drain, how
 * much the backlog grew.
 */
import { loopBusy } from '../metrics/loop.js';
import type { Result } from '../result/document.js';

/** The timeline's slots (whole seconds) inside the window: [from, to). */
export function judgedSeconds(r: Result, windowMs: number): { from: number; to: number } | null {
  const t = r.timeline;
  if (!t) return null;
  const startedAt = r.phases.send?.startedAt ?? t.start;
  const from = Math.max(0, Math.ceil((startedAt - t.start) / 1000));
  // At least one second, for a window shorter than a second.
  const to = Math.max(from + 1, Math.floor((startedAt + windowMs - t.start) / 1000));
  return { from, to };
}

const sum = (series: number[] | undefined, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) n += series?.[i] ?? 0;
  return n;
};

/** busy / seen over the window's seconds that `seen` covers; null when it saw nothing there. */
function shareIn(busy: number[] | undefined, seen: number[], w: { from: number; to: number }): number | null {
  const to = Math.min(seen.length, w.to);
  const s = sum(seen, w.from, to);
  return s ? sum(busy, w.from, to) / s : null;
}

/**
 * The producers' worker loops' busy share in the window: start-up and warm-up seconds are mostly
 * idle, and so are the seconds after the window while the last replies come back (long when the
 * step fell behind); either would dilute a saturated step below the mark. The send side's own
 * series, where recorded: with --drain the consumers' loops (idle while they wait on polls and
 * --process-time timers) would dilute it the same way.
 */
export function measuredBusy(r: Result, windowMs: number): number | null {
  const t = r.timeline;
  const sendSide = Boolean(t?.series.sendLoopMs);
  // A loop never busy a whole ms records no busy series at all: zeros, then.
  const busy = (sendSide ? t?.series.sendLoopBusyMs : t?.series.loopBusyMs) ?? [];
  const seen = sendSide ? t?.series.sendLoopMs : t?.series.loopMs;
  const w = judgedSeconds(r, windowMs);
  return (w && seen && shareIn(busy, seen, w)) ?? loopBusy(t)?.mean ?? null;
}

/**
 * How many messages the backlog grew by in the window: messages sent minus messages received
 * in its whole seconds, i.e. the backlog's level at the window's end minus its level at the
 * start. A change, not a level: the warm-up's backlog (or the messages in transit between a
 * send and its receive, steady while the consumers keep up) is not counted against the step.
 *
 * Why our own counts and not ApproximateNumberOfMessages: SQS says that figure is approximate
 * and it lags by up to a minute, and the sampler reads it only every --depth-interval; the
 * per-second sent and received counts are what happened, exactly, in the very seconds judged.
 * Received counts redeliveries too, and rightly: a redelivered message went back into the
 * visible backlog (not counted as sent again) and left it once more.
 */
export function depthGrowth(r: Result, windowMs: number): { growth: number; sent: number } | null {
  const w = judgedSeconds(r, windowMs);
  if (!w) return null;
  const s = r.timeline!.series;
  const sent = sum(s.sent, w.from, w.to);
  return { growth: sent - sum(s.received, w.from, w.to), sent };
}

/**
 * The client host's CPUs' busy share in the window, 0..1 (null: not recorded). Near 1, the client
 * had no core to spare whatever its loops say: a thread ready to run but waiting for a core is
 * idle to its event loop, so a host crowded by the client (or by anything beside it) can leave
 * the loops under the mark while the client still falls behind.
 */
export function hostBusy(r: Result, windowMs: number): number | null {
  const seen = r.timeline?.series.hostCpuMs;
  const w = judgedSeconds(r, windowMs);
  return (w && seen && shareIn(r.timeline!.series.hostCpuBusyMs, seen, w)) ?? null;
}
