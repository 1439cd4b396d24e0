/**
 * The shared schedule of a sharded burst: a fixed ladder of steps, step k targeting
 * startRate × factor^k msg/s for the whole fleet and starting at the same wall-clock moment in
 * every shard. Bisection needs a decision every shard shares, so a sharded burst climbs the
 * coarse ladder only; `report` judges it on the merged steps.
 */
import { UsageError } from '../errors.js';
import { describe, intArg, positiveArg, stringArg, type RawArgs } from '../config/args.js';
import { BURST_DEFAULTS } from '../config/defaults.js';
import type { Ladder } from '../result/burst.js';

/** The coarse targets up to the ceiling, rounded as the single-process search rounds them. */
export function ladderTargets(startRate: number, factor: number, ceiling: number): number[] {
  const targets: number[] = [];
  for (let t = startRate; t <= ceiling; t = Math.round(t * factor)) targets.push(t);
  return targets;
}

export function planLadder(startAt: number, warmupMs: number, stepMs: number, gapMs: number, targets: number[]): Ladder {
  return { startAt, warmupMs, stepMs, gapMs, periodMs: warmupMs + stepMs + gapMs, targets };
}

export const stepStartAt = (l: Ladder, k: number): number => l.startAt + k * l.periodMs;

const EXAMPLE = 'e.g. --start-at $(( $(date +%s) + 60 )) or --start-at 2026-11-27T09:00:00Z, the same for every shard';

/**
 * --start-at: epoch seconds (fractions allowed) or an ISO-8601 moment with its zone. Every shard
 * must get the same value; a moment computed in each pod (now + 30 s) would differ by their start.
 */
export function parseStartAt(args: RawArgs): number | undefined {
  const raw = stringArg(args, 'startAt');
  if (raw === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  // Date.parse reads a zoneless ISO time as local time: a pod's zone would shift the schedule.
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(iso)) throw new UsageError(`${describe('startAt')} must be epoch seconds or an ISO-8601 time with its zone (got ${JSON.stringify(raw)}); ${EXAMPLE}`);
  return iso;
}

/** Why --start-at is required, in one line. */
export function startAtRequired(shards: number): UsageError {
  return new UsageError(`burst --shards ${shards} needs --start-at (env SQS_BLAST_START_AT) so every shard starts each step at the same moment; ${EXAMPLE}`);
}

/**
 * The ladder of this burst, or null for the single-process search. --shards > 1 needs one:
 * each shard searching alone on its share would judge nothing about the fleet.
 */
export function resolveLadder(args: RawArgs, o: { startRate: number; stepFactor: number; ceiling: number; stepMs: number; drain: boolean }, warmupMs: number): Ladder | null {
  const shards = intArg(args, 'shards', 1, 100_000) ?? 1;
  const startAt = parseStartAt(args);
  const gapS = positiveArg(args, 'stepGap', 'give seconds between a step’s end and the next step’s start, e.g. --step-gap 5');
  if (startAt === undefined) {
    if (shards > 1) throw startAtRequired(shards);
    if (gapS !== undefined) throw new UsageError('--step-gap spaces the steps of a scheduled burst: add --start-at (and --shards), or drop --step-gap');
    return null;
  }
  if (o.drain) throw new UsageError('burst --drain searches in one process (each step drains its own backlog, which shards would share): drop --start-at and --shards');
  if (args.refineSteps !== undefined) throw new UsageError('--refine-steps bisects on one process’s verdict; a scheduled (sharded) burst climbs the coarse ladder only: drop --refine-steps, or use a smaller --step-factor');
  return planLadder(startAt, warmupMs, o.stepMs, (gapS ?? BURST_DEFAULTS.stepGap) * 1000, ladderTargets(o.startRate, o.stepFactor, o.ceiling));
}
