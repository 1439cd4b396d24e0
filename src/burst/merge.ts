/**
 * `report` on burst documents: the shards of a sharded burst each ran the same ladder on their
 * share, so step k of the fleet is the exact merge (report/merge.ts) of every shard's step k,
 * judged as one process's step would be (judgeStep). A step that lacks a shard is not the
 * fleet's target: it is judged incomplete, never passed, and refused when the verdict needs it.
 */
import { UsageError } from '../errors.js';
import { ranges } from '../report/coverage.js';
import { mergeResults } from '../report/merge.js';
import type { AnyBurstDocument, BurstDocument, Search, Step, StepRecord } from '../result/burst.js';
import { searchVerdict, judgeStep } from './search.js';
import { hostBusy, measuredBusy } from './window.js';

/** Shards whose steps started further apart than this are reported: their seconds no longer line up. */
export const START_SPREAD_WARN_MS = 250;

export interface FleetJudgement {
  runId: string | null;
  shards: number;
  search: Search;
  /** One line each, for stderr: steps left out after the first failure, steps started apart. */
  warnings: string[];
}

const plural = (n: number, word: string) => `${word}${n === 1 ? '' : 's'}`;

/** The highest of the shares measured (null: none was). */
function busiest(shares: Array<number | null>): number | null {
  const known = shares.filter((b): b is number => b !== null);
  return known.length ? Math.max(...known) : null;
}

export function judgeBursts(docs: AnyBurstDocument[]): FleetJudgement {
  const v1 = docs.filter((d) => d.schema === 'sqs-blast/burst@1');
  if (v1.length) {
    // Judged steps only: one can be shown again as it was judged; several cannot be merged.
    if (docs.length === 1) return { runId: null, shards: 1, search: v1[0].search, warnings: ['a burst@1 document: shown as judged when it was written (it holds no per-step results to judge again)'] };
    throw new UsageError(`report: ${v1.length} of the ${docs.length} burst documents are burst@1, which hold judged steps only and cannot be merged; run the burst again with this version (burst@2 carries each step's results)`);
  }
  const all = docs as BurstDocument[];
  const runIds = [...new Set(all.map((d) => d.runId))];
  if (runIds.length > 1) {
    throw new UsageError(`report: the burst documents belong to ${runIds.length} runs (${runIds.slice(0, 5).join(', ')}); merge one run's shards at a time (--run-id ID)`);
  }
  const first = all[0];
  const shards = first.shards;
  const settings = (d: BurstDocument) => JSON.stringify([d.shards, d.options, d.ladder && { ...d.ladder }]);
  const odd = all.find((d) => settings(d) !== settings(first));
  if (odd) {
    throw new UsageError(`report: shard ${odd.shard} of run ${first.runId} ran other burst settings than shard ${first.shard} (--shards, --start-rate, --step-factor, --step-duration, --warmup, --step-gap, --start-at or the SLOs); start every shard with the same flags`);
  }
  const byShard = new Map<number, BurstDocument>();
  for (const d of all) {
    if (byShard.has(d.shard)) throw new UsageError(`report: shard ${d.shard} of run ${first.runId} appears twice (a retried pod?); give one burst document per shard`);
    byShard.set(d.shard, d);
  }
  const byIndex = new Map<number, Array<StepRecord & { shard: number }>>();
  for (const d of all) for (const s of d.steps) byIndex.set(s.index, [...(byIndex.get(s.index) ?? []), { ...s, shard: d.shard }]);
  const last = Math.max(-1, ...byIndex.keys());
  const o = first.options;
  const steps: Step[] = [];
  const warnings: string[] = [];
  let failed = false;
  for (let index = 0; index <= last; index++) {
    const records = byIndex.get(index) ?? [];
    const target = first.ladder?.targets[index] ?? records[0]?.target;
    const missing = [...Array(shards).keys()].filter((s) => !records.some((r) => r.shard === s));
    if (missing.length) {
      const what = `step ${index + 1} (${target} msg/s) is missing ${plural(missing.length, 'shard')} ${ranges(missing)} of ${shards}`;
      if (!failed) throw new UsageError(`report: ${what}: it cannot be judged, nor the steps above it; add that shard's burst document (file, log or s3://) or run the burst again`);
      warnings.push(`${what}; it comes after the first failing step, so the verdict stands without it`);
      continue;
    }
    const step = judgeStep(mergeResults(records.map((r) => r.result)), target!, o, records[0].phase);
    // The slowest pod sets the pace: one saturated shard falls short of its share however idle
    // the others are, so the fleet's step is client-limited when any shard's producers were.
    step.clientBusy = busiest(records.map((r) => measuredBusy(r.result, o.stepMs)));
    step.hostBusy = busiest(records.map((r) => hostBusy(r.result, o.stepMs)));
    const starts = records.map((r) => r.window.startedAt);
    const spread = Math.max(...starts) - Math.min(...starts);
    if (shards > 1 && spread > START_SPREAD_WARN_MS) warnings.push(`step ${index + 1}: the shards started ${Math.round(spread)} ms apart (setup slower than the gap allows?); its per-second data mixes the step with its neighbours' edges`);
    steps.push(step);
    failed ||= !step.passed;
  }
  if (!steps.length) throw new UsageError(`report: the burst documents of run ${first.runId} hold no step (every shard started after its ladder had passed?); run the burst again with a later --start-at`);
  return { runId: first.runId, shards, search: searchVerdict(steps, o), warnings };
}
