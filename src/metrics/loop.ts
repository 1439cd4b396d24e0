/**
 * Is the load generator itself the bottleneck? A worker thread whose event loop is busy all the
 * time cannot start calls on time: msg/s and latency then measure this client, not SQS. Each
 * worker records, per second of its timeline, how many ms its event loop was busy (`loopBusyMs`)
 * out of how many it observed (`loopMs`); both add across threads and pods, so the ratio stays
 * exact after any merge. The main thread records the process's CPU ms per second (`cpuMs`).
 */
import { cpus } from 'node:os';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { now, type Timeline, type TimelineJson } from './timeline.js';

/** A second counts as saturated when its loops were at least this busy. */
export const SATURATED = 0.9;
const SAMPLE_MS = 250;

/** Adds whole milliseconds to a series and carries the fraction, so rounding never drifts. */
class MsCounter {
  private carry = 0;
  constructor(
    private readonly timeline: Timeline,
    private readonly series: string,
  ) {}

  add(nowMs: number, ms: number): void {
    const total = this.carry + ms;
    const whole = Math.floor(total);
    this.carry = total - whole;
    if (whole > 0) this.timeline.add(this.series, nowMs, whole);
  }
}

/** Samples this thread's event-loop utilisation into a timeline until stopped. */
export class LoopMeter {
  private last: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly busy: MsCounter[];
  private readonly observed: MsCounter[];
  private readonly timer: NodeJS.Timeout;

  /**
   * `onSample`: each sample's busy and observed ms as well (the live busy share of /metrics).
   * `side`: the same figures again as `<side>LoopBusyMs` / `<side>LoopMs`, so that in a run one
   * side's saturated loops are not averaged away by the other side's idle ones.
   */
  constructor(
    timeline: Timeline,
    private readonly onSample?: (busyMs: number, observedMs: number) => void,
    side?: 'send' | 'drain',
  ) {
    this.busy = [new MsCounter(timeline, 'loopBusyMs')];
    this.observed = [new MsCounter(timeline, 'loopMs')];
    if (side) {
      this.busy.push(new MsCounter(timeline, `${side}LoopBusyMs`));
      this.observed.push(new MsCounter(timeline, `${side}LoopMs`));
    }
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  private sample(): void {
    const delta = performance.eventLoopUtilization(this.last);
    this.last = performance.eventLoopUtilization();
    const at = now();
    for (const c of this.busy) c.add(at, delta.active);
    for (const c of this.observed) c.add(at, delta.active + delta.idle);
    this.onSample?.(delta.active, delta.active + delta.idle);
  }

  /** Records the last partial interval and stops sampling. */
  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}

/**
 * Samples the whole process's CPU (all threads) into a timeline, and the host's: CPU ms busy
 * (`hostCpuBusyMs`) out of CPU ms passed over all its cores (`hostCpuMs`). A loop's busy share
 * misses one way the client runs out: a host with no core free leaves a ready thread waiting,
 * which its event loop counts as idle. Call tick() periodically.
 */
export class CpuMeter {
  private last = process.cpuUsage();
  private lastHost = hostTimes();
  private readonly cpu: MsCounter;
  private readonly hostBusy: MsCounter;
  private readonly hostSeen: MsCounter;

  constructor(timeline: Timeline) {
    this.cpu = new MsCounter(timeline, 'cpuMs');
    this.hostBusy = new MsCounter(timeline, 'hostCpuBusyMs');
    this.hostSeen = new MsCounter(timeline, 'hostCpuMs');
  }

  tick(nowMs: number): void {
    const c = process.cpuUsage(this.last);
    this.last = process.cpuUsage();
    this.cpu.add(nowMs, (c.user + c.system) / 1000);
    const host = hostTimes();
    this.hostBusy.add(nowMs, Math.max(0, host.busy - this.lastHost.busy));
    this.hostSeen.add(nowMs, Math.max(0, host.total - this.lastHost.total));
    this.lastHost = host;
  }
}

/** The host's CPU ms since boot, busy and in all, summed over its cores. */
function hostTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times: t } of cpus()) {
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}

export interface LoopBusy {
  /** Busy share of all observed worker loop time, 0..1. */
  mean: number;
  /** The busiest second, 0..1; null when no second saw enough of the loops to say. */
  peak: number | null;
  /** Seconds in which the loops were at least SATURATED busy. */
  saturatedSeconds: number;
}

/** Worker loop busy shares from a (possibly merged) timeline; null when it has too little. */
export function loopBusy(t: TimelineJson | undefined): LoopBusy | null {
  const busy = t?.series.loopBusyMs;
  const seen = t?.series.loopMs;
  if (!busy || !seen) return null;
  let busySum = 0;
  let seenSum = 0;
  let peak: number | null = null;
  let saturatedSeconds = 0;
  for (let i = 0; i < seen.length; i++) {
    const b = busy[i] ?? 0;
    const s = seen[i] ?? 0;
    busySum += b;
    seenSum += s;
    // A second only a thread's first or last moments saw (say 40 of 1,000 ms) says little.
    if (s < 500) continue;
    const share = b / s;
    if (peak === null || share > peak) peak = share;
    if (share >= SATURATED) saturatedSeconds++;
  }
  // Under a second of loop time (a run that sent nothing) is all startup: no share to speak of.
  if (seenSum < 1000) return null;
  return { mean: busySum / seenSum, peak, saturatedSeconds };
}
