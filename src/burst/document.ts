/**
 * What `burst` writes (--out, --json, result lines): one document per process. Since @2 it
 * carries every step it ran as a whole mergeable Result (counts, HDR-encoded histograms,
 * per-second timeline), so `report` can merge the shards of a sharded burst step by step and
 * judge the fleet. @1 documents (the judged steps only) are still read: `report` shows them as
 * they were judged, and cannot merge them.
 */
import type { Result } from '../result/document.js';
import type { Ladder } from './ladder.js';
import type { BurstOptions, Search, Step } from './search.js';

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
