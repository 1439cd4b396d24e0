/**
 * burst --consumer external: what the user's consumers did in a step, read from the queue depth
 * burst sampled every second (burst/external.ts puts the samples in the step's timeline) beside
 * the messages the step sent. sqs-blast consumes nothing: the consumers' pace is what was sent
 * less what the backlog grew by.
 */
import type { DepthSample } from '../metrics/timeline.js';
import type { ObservedConsumers, Result } from '../result/document.js';
import { messagesIn } from '../sqs/depth.js';
import { judgedSeconds } from './window.js';

/**
 * The least growth over a step's window that fails it, whatever --max-growth says: the consumers'
 * receive batches (up to 10 messages each, per consumer) are in flight or not on either side of
 * a sample while they keep up. The same floor as burst --drain's.
 */
export const BACKLOG_FLOOR = 20;

/** A step's (or send --observe's) consumers, as result/document.ts defines them for results. */
export type Backlog = ObservedConsumers;

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * The least-squares slope of the backlog (messages per ms) through the samples. Against the
 * difference of the first and last samples, independent noise in N samples moves it by about
 * √(6/N) as much (an error in the last of 21 samples over 20 s: 0.39 msg/s against 1.5), so over
 * the minutes a real-SQS step lasts a lagging or noisy sample weighs little; over the few samples
 * of a short step it is no better than the difference. Null below two samples.
 */
export function slope(points: Array<{ t: number; n: number }>): number | null {
  if (points.length < 2) return null;
  const mt = points.reduce((s, p) => s + p.t, 0) / points.length;
  const mn = points.reduce((s, p) => s + p.n, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.n - mn);
    den += (p.t - mt) ** 2;
  }
  return den ? num / den : null;
}

/** What the DLQs gained over the samples that read them: their last count less their first. */
export function dlqGain(depth: DepthSample[]): number | null {
  const read = depth.filter((d) => d.dlq !== undefined);
  return read.length ? read[read.length - 1].dlq! - read[0].dlq! : null;
}

/** The step's backlog in its judged window, or null when fewer than two samples fell inside it. */
export function backlogOf(r: Result, windowMs: number): Backlog | null {
  const w = judgedSeconds(r, windowMs);
  const t = r.timeline;
  if (!w || !t?.depth) return null;
  const from = t.start + w.from * 1000;
  const to = t.start + w.to * 1000;
  const inside = t.depth.filter((d) => d.t >= from && d.t <= to).map((d) => ({ t: d.t, n: messagesIn(d) }));
  const perMs = slope(inside);
  if (perMs === null) return null;
  const seconds = w.to - w.from;
  let sent = 0;
  for (let i = w.from; i < w.to; i++) sent += t.series.sent?.[i] ?? 0;
  const growthPerSec = perMs * 1000;
  return {
    sent,
    sentPerSec: round1(sent / seconds),
    growthPerSec: round1(growthPerSec),
    growth: Math.round(growthPerSec * seconds),
    consumedPerSec: round1(sent / seconds - growthPerSec),
    samples: inside.length,
    dlqGain: dlqGain(t.depth),
  };
}

/** Why the consumers failed the step: the backlog grew beyond the bound, or the DLQ gained messages. */
export function consumerFailures(b: Backlog | null, maxGrowthShare: number): { behind: boolean; failedMessages: boolean; why: string[] } {
  if (!b) return { behind: false, failedMessages: false, why: ['fewer than two queue-depth samples in the judged window (a longer --step-duration gives more)'] };
  const why: string[] = [];
  const behind = b.growth > Math.max(BACKLOG_FLOOR, maxGrowthShare * b.sent);
  if (behind) why.push(`backlog grew by ${b.growthPerSec} msg/s (${b.growth} messages; the consumers took ${b.consumedPerSec} of ${b.sentPerSec} msg/s sent)`);
  const failedMessages = (b.dlqGain ?? 0) > 0;
  if (failedMessages) why.push(`DLQ +${b.dlqGain} (the consumers failed those messages)`);
  return { behind, failedMessages, why };
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const dlq = (gain: number | null | undefined) => (gain === null || gain === undefined ? 'no DLQ' : `DLQ +${n(gain)}`);

export interface ExternalLimit {
  target: number;
  consumersBehind: boolean;
  consumersFailed?: boolean;
  backlogPerSec?: number | null;
  consumedPerSec?: number | null;
  dlqGain?: number | null;
  why: string[];
}

/**
 * The external verdict: "your consumers keep up with 3,400 msg/s; at 4,100 msg/s the backlog
 * grows by 620 msg/s; DLQ +0", or null when the limit was not the consumers' (the producers or
 * the server failed the step first: the generic verdict names that).
 */
export function externalVerdict(sustained: number | null, limit: ExternalLimit | null, ceiling: number, startRate: number): string | null {
  const held = sustained === null ? `no step held (the first, ${n(startRate)} msg/s, failed)` : `your consumers keep up with ${n(sustained)} msg/s`;
  if (!limit) return `${held}: the ceiling (${n(ceiling)} msg/s) was reached without a failing step`;
  const at = `at ${n(limit.target)} msg/s`;
  if (limit.consumersBehind) return `${held}; ${at} the backlog grows by ${n(limit.backlogPerSec ?? 0)} msg/s (they took ${n(limit.consumedPerSec ?? 0)} msg/s); ${dlq(limit.dlqGain)}`;
  if (limit.consumersFailed) return `${held}; ${at} your consumers failed messages: ${dlq(limit.dlqGain)}`;
  return null;
}

/** A step's consumer figures for its stderr line: ", consumers 480 msg/s, backlog +20.5 msg/s, DLQ +0". */
export function externalNote(s: { consumedPerSec?: number | null; backlogPerSec?: number | null; dlqGain?: number | null }): string {
  if (s.consumedPerSec === null || s.consumedPerSec === undefined) return ', no depth samples in the window';
  const b = s.backlogPerSec ?? 0;
  return `, consumers ${s.consumedPerSec} msg/s, backlog ${b >= 0 ? '+' : ''}${b} msg/s, ${dlq(s.dlqGain)}`;
}
