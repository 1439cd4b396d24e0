/**
 * One shard's climb of the shared ladder (burst/ladder.ts): each step starts at its planned
 * moment, sends this shard's share, and is recorded whole for `report` to merge. A shard cannot
 * know the fleet's verdict, so it keeps climbing to the ceiling, unless its own step already
 * decided the fleet's step as failed (see fleetFailedAnyway).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Result } from '../result/document.js';
import type { BurstOptions, Ladder, Step, StepRecord, StepWindow } from '../result/burst.js';
import { stepStartAt } from './ladder.js';
import { judgeStep } from './search.js';

/** How long before its start a step is set up (queues resolved, worker threads up): more than that takes. */
export const PREPARE_MS = 1500;
/** Less time than this before a step's start and its setup would make it late: the step is skipped. */
export const MIN_LEAD_MS = 600;
/** A step whose schedule started later than this after its planned moment is reported on stderr. */
const LATE_NOTE_MS = 50;

export interface LadderOutcome {
  records: StepRecord[];
  /** This shard's own judgement of its share, step by step (for its stderr lines and its document). */
  steps: Step[];
  skipped: number[];
  stopped: string | null;
}

export interface LadderHooks {
  /** Run step `index` at `target` fleet msg/s, its schedule held back to `notBefore` (epoch ms). */
  runStep: (index: number, target: number, notBefore: number) => Promise<Result>;
  log: (line: string) => void;
  now?: () => number;
  /** Sleeps; ends early when the climb is interrupted. */
  wait?: (ms: number) => Promise<void>;
  /** The signal that stopped the climb (SIGINT, SIGTERM), or null. */
  interrupted?: () => string | null;
}

/** The step's planned start, the start it got, and its judged window, from the result's send phase. */
export function windowOf(r: Result, plannedStartAt: number | null, warmupMs: number, stepMs: number): StepWindow {
  const measuredFrom = r.phases.send?.startedAt ?? r.startedAt;
  return { plannedStartAt, startedAt: measuredFrom - warmupMs, measuredFrom, measuredTo: measuredFrom + stepMs };
}

/**
 * Why this shard's step failed the fleet's step whatever the other shards did, or null. Errors
 * only add up: the fleet's error share is at least this shard's errors over its own calls plus
 * the most successful calls the others could have made (one message each, never ahead of their
 * schedule: open-model shards do not catch up). A failed message fails the merged step as it
 * fails this one. A shortfall or a slow p99 decides nothing: the other shards' share dilutes it.
 * Going on after such a step would only measure rates above a limit already found, at the cost
 * of more throttling against the queue.
 */
export function fleetFailedAnyway(r: Result, share: number, o: BurstOptions, shards: number, ladder: Ladder): string | null {
  if (r.failed) return `${r.failed} messages failed`;
  const errors = Object.values(r.errors).reduce((n, x) => n + x, 0);
  const othersMost = (shards - 1) * Math.ceil((share * (ladder.warmupMs + ladder.stepMs)) / 1000);
  const least = errors / (r.cost.sendCalls + errors + othersMost);
  if (errors && least > o.sloErrorShare) return `its ${errors} errors are over ${o.sloErrorShare * 100}% of the most calls the fleet could have made (${Math.round(least * 1000) / 10}% at least)`;
  return null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function climbLadder(ladder: Ladder, o: BurstOptions, shards: number, hooks: LadderHooks): Promise<LadderOutcome> {
  const now = hooks.now ?? Date.now;
  const wait = hooks.wait ?? ((ms: number) => sleep(ms));
  const out: LadderOutcome = { records: [], steps: [], skipped: [], stopped: null };
  const rest = (from: number) => [...ladder.targets.keys()].filter((k) => k >= from);
  const signalled = (index: number): boolean => {
    const signal = hooks.interrupted?.();
    if (signal) {
      out.stopped = `interrupted by ${signal}`;
      out.skipped.push(...rest(index));
    }
    return Boolean(signal);
  };
  for (let index = 0; index < ladder.targets.length; index++) {
    const target = ladder.targets[index];
    if (signalled(index)) break;
    const startAt = stepStartAt(ladder, index);
    const lead = startAt - now();
    if (lead < MIN_LEAD_MS) {
      out.skipped.push(index);
      const why = out.records.length ? 'the previous step ran into its setup time; a longer --step-gap avoids it' : 'this shard started after it';
      const when = lead < 0 ? `${Math.round(-lead)} ms past its start` : `only ${Math.round(lead)} ms before its start, too little to set up`;
      hooks.log(`burst: step ${index + 1} (${target} msg/s, due ${iso(startAt)}) skipped: ${when} (${why}); report counts it as missing this shard`);
      continue;
    }
    if (lead > PREPARE_MS) await wait(lead - PREPARE_MS);
    if (signalled(index)) break;
    const r = await hooks.runStep(index, target, startAt);
    const share = target / shards;
    const own = judgeStep(r, share, o, 'coarse');
    const window = windowOf(r, startAt, ladder.warmupMs, ladder.stepMs);
    out.records.push({ index, phase: 'coarse', target, shareTarget: share, window, result: r });
    out.steps.push(own);
    const late = window.startedAt - startAt;
    const lateNote = late > LATE_NOTE_MS ? ` (started ${Math.round(late)} ms late)` : '';
    hooks.log(`burst: step ${index + 1}: ${target} msg/s for the fleet, this shard's ${Math.round(share * 10) / 10} → ${own.achieved} achieved, p99 ${own.p99 ?? '-'} ms${lateNote}: ${own.passed ? 'pass' : 'FAIL'} for this shard (the fleet's verdict: sqs-blast report)`);
    if (r.interrupted) {
      out.stopped = `interrupted by ${r.interrupted}`;
      out.skipped.push(...rest(index + 1));
      break;
    }
    const decided = fleetFailedAnyway(r, share, o, shards, ladder);
    if (decided) {
      out.stopped = `step ${index + 1} (${target} msg/s) failed for the whole fleet whatever the other shards did: ${decided}`;
      out.skipped.push(...rest(index + 1));
      hooks.log(`burst: stopping: ${out.stopped}`);
      break;
    }
  }
  return out;
}
