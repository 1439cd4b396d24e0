/**
 * The main thread's watch over a running load, ten times a second: client CPU, calls in flight,
 * live progress, and every rule that ends a run short of its workers finishing on their own —
 * giving up on a dead endpoint, --expect, the idle and start timeouts, run's tail, --duration —
 * and the cut of polls a finished drain no longer needs.
 */
import type { Config } from '../config.js';
import { CONTROL, type LiveView } from '../metrics/live.js';
import type { CpuMeter } from '../metrics/loop.js';
import type { Timeline } from '../metrics/timeline.js';
import type { Progress, ProgressSnapshot } from '../progress.js';
import { FINISH_GRACE_MS } from '../config/defaults.js';

export { FINISH_GRACE_MS };
const TICK_MS = 100;

export interface MonitorInputs {
  config: Config;
  live: LiveView;
  progress: Progress;
  cpuMeter: CpuMeter;
  timeline: Timeline;
  /** Worker rows of the send side (their calls in flight are charted). */
  sendRows: number[];
  startMs: number;
  /** When the queues were first seen holding messages (0: not yet). */
  queuesBusySince: () => number;
  /** A signal stopped the run: --grace rules its end, not the monitor. */
  interrupted: () => boolean;
  /** False while run's senders still work (a finished drain then lets them finish). */
  sendsDone: () => boolean;
  /** True while the run's ledger says the run is not done (ledger/run-watch.ts): idle rules wait. */
  holding?: () => boolean;
}

export class Monitor {
  /** Why the run gave up (calls kept failing), or null. */
  abandoned: string | null = null;
  private drainStartMs: number;
  private runTarget = -1;
  private tailSince: number | undefined;
  private readonly tailMs: number;
  private progressMark: { at: number; done: number; errors: number };
  private cutTimer?: NodeJS.Timeout;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly m: MonitorInputs) {
    this.drainStartMs = m.startMs;
    this.tailMs = ((m.config.drain?.waitTimeSeconds ?? 0) + 1) * 1000;
    this.progressMark = { at: m.startMs, done: 0, errors: 0 };
    this.timer = setInterval(() => this.tick(Date.now()), TICK_MS);
  }

  /**
   * run: the senders are done. The drain is done once it has seen every acknowledged message
   * (then a short tail for redelivered copies), or when it has been idle for --idle-timeout.
   */
  sendsFinished(sent: number): void {
    this.runTarget = sent;
    this.drainStartMs = Date.now();
    this.m.live.armIdle();
  }

  snapshot(now: number, inflight: number): ProgressSnapshot {
    const live = this.m.live;
    return {
      elapsedMs: now - this.m.startMs,
      sent: live.sum('sent'),
      failed: live.sum('failed'),
      received: live.sum('received'),
      errors: live.sum('errors'),
      throttles: live.sum('throttles'),
      inflight,
    };
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.cutTimer) clearTimeout(this.cutTimer);
    this.m.cpuMeter.tick(Date.now());
    this.m.progress.finish(this.snapshot(Date.now(), 0));
  }

  private tick(now: number): void {
    const { config, live, sendRows } = this.m;
    this.m.cpuMeter.tick(now);
    const inflight = live.sum('inflight', sendRows);
    this.m.timeline.max('inflight', now, inflight);
    this.giveUpOnDeadEndpoint(now);
    this.m.progress.update(this.snapshot(now, inflight));
    const drain = config.drain;
    if (!drain) return;
    if (live.stopLevel) return this.cutWaitingPolls();
    const received = Atomics.load(live.control, CONTROL.received);
    const expect = Atomics.load(live.control, CONTROL.expect);
    if (expect >= 0 && received >= expect) live.stop(1);
    const lastMessageAt = live.max('lastMessageAt');
    const busySince = this.m.queuesBusySince();
    const idleSince = Math.max(lastMessageAt, this.drainStartMs, lastMessageAt ? 0 : busySince);
    // A drain started with (or before) its producers waits --start-timeout for the run to
    // begin: its first message, or queues seen holding messages (siblings may take them all).
    // Only then does --idle-timeout judge that the queues ran dry.
    const begun = lastMessageAt > 0 || busySince > 0;
    const idleLimit = config.command === 'drain' && !begun ? drain.startTimeoutMs : drain.idleTimeoutMs;
    if (Atomics.load(live.control, CONTROL.idleArmed) && now - idleSince >= idleLimit && !this.m.holding?.()) live.stop(1);
    // run: once every acknowledged message has been seen (distinct, so redeliveries do not
    // count), drain a short tail for copies still visible, then stop.
    if (this.runTarget >= 0 && Atomics.load(live.control, CONTROL.distinct) >= this.runTarget) {
      this.tailSince ??= now;
      if (now - Math.max(idleSince, this.tailSince) >= this.tailMs) live.stop(1);
    }
    if (config.command === 'drain' && drain.durationMs !== undefined && now - this.m.startMs >= drain.durationMs) live.stop(1);
  }

  /** Give up when calls keep failing and none has succeeded for --give-up-after (the endpoint is gone). */
  private giveUpOnDeadEndpoint(now: number): void {
    const live = this.m.live;
    const done = live.sum('sent') + live.sum('received') + live.sum('deleted') + live.sum('emptyPolls');
    const errors = live.sum('errors');
    if (done !== this.progressMark.done) this.progressMark = { at: now, done, errors };
    else if (!this.abandoned && errors > this.progressMark.errors && now - this.progressMark.at >= this.m.config.giveUpMs) {
      this.abandoned = `no call succeeded for ${Math.round((now - this.progressMark.at) / 1000)} s while ${errors - this.progressMark.errors} failed`;
      process.stderr.write(`\nsqs-blast: giving up: ${this.abandoned}; check the endpoint (--endpoint / AWS_ENDPOINT_URL_SQS)\n`);
      live.stop(2);
    }
  }

  /**
   * A drain that is done stops at level 1: its threads stop themselves at --expect, and the
   * monitor on idle, run's tail and --duration. A poll still open FINISH_GRACE_MS later is
   * waiting on an empty queue for up to --wait-time (20 s by default), so it is cut (deletes
   * in flight are not). Messages
   * the server had just handed such a poll show in the final queue depths as in flight and
   * return to their queue: counted, not lost. Not after a signal (--grace rules then), and not
   * while sends are in flight (run --expect below --total): those finish.
   */
  private cutWaitingPolls(): void {
    if (this.m.interrupted() || this.cutTimer || !this.m.sendsDone()) return;
    this.cutTimer = setTimeout(() => {
      // Only the polls: deletes in flight finish, or their messages would return as duplicates
      // (a slow local server took over 2 s per delete). --grace later, anything left is cut.
      this.m.live.cutPolls();
      this.cutTimer = setTimeout(() => this.m.live.stop(2), this.m.config.graceMs);
      this.cutTimer.unref();
    }, FINISH_GRACE_MS);
    this.cutTimer.unref();
  }
}
