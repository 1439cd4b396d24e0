/**
 * What `burst` writes (--out, --json, result lines): one document per process. Since @2 it
 * carries every step it ran as a whole mergeable Result (counts, HDR-encoded histograms,
 * per-second timeline), so `report` can merge the shards of a sharded burst step by step and
 * judge the fleet. @1 documents (the judged steps only) are still read: `report` shows them as
 * they were judged, and cannot merge them.
 *
 * The shapes it is made of (options, steps, the search, the ladder) are here with it, types only,
 * so that the readers of results (result/lines.ts, report/) know a burst document without
 * importing burst/, which imports them.
 */
import type { Result } from './document.js';

export const BURST_SCHEMA = 'sqs-blast/burst@2';
export const BURST_SCHEMA_V1 = 'sqs-blast/burst@1';

export interface StepWindow {
  /** Epoch ms the schedule asked the step (its warm-up first) to start at; null: the search's own pace. */
  plannedStartAt: number | null;
  /** Epoch ms the step's schedule started (t=0, warm-up first), as measured. */
  startedAt: number;
  /** The judged window (after the warm-up), epoch ms. */
  measuredFrom: number;
  measuredTo: number;
}

export interface StepRecord {
  /** The step's place in the ladder (sharded) or in the search's order: the key shards are merged by. */
  index: number;
  phase: Step['phase'];
  /** The whole fleet's msg/s. */
  target: number;
  /** This process's share of it. */
  shareTarget: number;
  window: StepWindow;
  result: Result;
}

export interface BurstDocument {
  kind: 'burst';
  schema: typeof BURST_SCHEMA;
  runId: string;
  shard: number;
  shards: number;
  startedAt: number;
  /** How steps are judged (the same for every shard). */
  options: BurstOptions;
  /** The shared schedule of a sharded burst; null for the single-process search. */
  ladder: Ladder | null;
  steps: StepRecord[];
  /** Ladder steps this shard did not run: started too late for them, or stopped early (see `stopped`). */
  skipped: number[];
  /** Why this shard left the ladder before its ceiling, or null. */
  stopped: string | null;
  /** This process's own judgement: the verdict of a single-process burst; for one shard of many, of its share only. */
  search: Search;
}

export interface BurstDocumentV1 {
  kind: 'burst';
  schema: typeof BURST_SCHEMA_V1;
  search: Search;
}

export type AnyBurstDocument = BurstDocument | BurstDocumentV1;

export function isBurstDocument(x: unknown): x is AnyBurstDocument {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as { kind?: unknown; schema?: unknown };
  return d.kind === 'burst' && (d.schema === BURST_SCHEMA || d.schema === BURST_SCHEMA_V1);
}

/** How steps are judged (burst/search.ts judges them). */
export interface BurstOptions {
  startRate: number;
  stepFactor: number;
  stepMs: number;
  ceiling: number;
  refineSteps: number;
  /** A step fails when send p99 exceeds this (ms). */
  sloP99Ms: number;
  /** A step fails when error events (throttles included) exceed this share of send calls. */
  sloErrorShare: number;
  /** A step fails when it achieved less than this share of its target. */
  minAchievedShare: number;
  /** burst --drain: each step also runs consumers, and is judged on the backlog's growth. */
  drain: boolean;
  /** --drain and --consumer external: a step fails when the backlog grew by more than this share of the messages sent in its window. */
  maxGrowthShare: number;
  /**
   * --consumer external: the user's consumers read the queues, sqs-blast none; a step is judged
   * on the backlog burst sampled (burst/backlog.ts). Absent in documents from before it.
   */
  external?: boolean;
  /** --consumer external: the most ms to wait after a step for the consumers to drain its backlog. */
  settleMs?: number;
}

export interface Step {
  phase: 'coarse' | 'refine';
  target: number;
  achieved: number;
  p50: number | null;
  p99: number | null;
  calls: number;
  throttles: number;
  errors: number;
  /** The producers' worker event loops' busy share over the step, 0..1 (null: not measured). */
  clientBusy: number | null;
  /** The client host's CPUs' busy share over the step, 0..1 (null: not measured). */
  hostBusy: number | null;
  /** --drain: messages the backlog grew by in the step's window (sent − received); null without --drain. */
  depthGrowth: number | null;
  /** --drain: the growth failed the step (the consumers fell behind). */
  consumersBehind: boolean;
  /** --drain: messages received that were not this step's (the queue was not empty); null without --drain. */
  foreign: number | null;
  /** --consumer external: the consumers' msg/s in the window (sent − the backlog's growth). */
  consumedPerSec?: number | null;
  /** --consumer external: the backlog's growth in msg/s (the slope of the depth samples). */
  backlogPerSec?: number | null;
  /** --consumer external: messages the DLQs gained over the step and its drain (null: no DLQ). */
  dlqGain?: number | null;
  /** --consumer external: the DLQ gained messages, so the step failed. */
  consumersFailed?: boolean;
  passed: boolean;
  /** Why it failed (empty when it passed). */
  why: string[];
}

export interface Search {
  sustainedMsgPerSec: number | null;
  steps: Step[];
  /** The failing step the verdict is about (the lowest failing target). */
  limit: {
    target: number;
    clientLimited: boolean;
    clientLimitedBy: ClientLimit | null;
    consumersBehind: boolean;
    growth: number | null;
    foreign: number;
    why: string[];
    /** --consumer external: the failing step's figures (see Step). */
    consumersFailed?: boolean;
    backlogPerSec?: number | null;
    consumedPerSec?: number | null;
    dlqGain?: number | null;
  } | null;
  verdict: string;
}

/** What ran out on the client in a failing step: its worker loops, or its host's cores (null: neither). */
export type ClientLimit = 'loops' | 'host';

/** The shared schedule of a sharded burst (burst/ladder.ts plans it). */
export interface Ladder {
  /** Epoch ms at which step 0 starts (its warm-up first). */
  startAt: number;
  warmupMs: number;
  stepMs: number;
  /** Between the end of a step's window and the next step's start: the step's tail and the next one's setup. */
  gapMs: number;
  /** startAt of step k is startAt + k × periodMs. */
  periodMs: number;
  /** Fleet msg/s of each step, in order. */
  targets: number[];
}
