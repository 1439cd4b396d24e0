/**
 * Does a merge hold the whole run? `missing` is judged against what producers say they
 * attempted; a merge that lacks some send results (a pod's log not collected, an upload that
 * failed) or that mixes several run ids each holding part of its shards (shards started without
 * a shared --run-id) cannot say "nothing missing". This finding travels in the merged result as
 * `coverage`, so JSON readers see it as well as the summary.
 */
import type { IntegrityJson } from '../metrics/integrity.js';
import type { Coverage, Result, RunCoverage } from '../result/document.js';

// The shapes live with the result document that carries them.
export type { Coverage, RunCoverage };

/** "0-3, 7, 9-12": shard lists of a 1000-shard run stay one line. */
export function ranges(list: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j] + 1) j++;
    out.push(j > i ? `${list[i]}-${list[j]}` : String(list[i]));
    i = j;
  }
  return out.join(', ');
}

/** A producer's own entry carries `sent`; a consumer's never does. */
const isProducerEntry = (e: IntegrityJson) => e.sent !== undefined;

export function coverageOf(parts: Result[], integrity: IntegrityJson[]): Coverage {
  const byRun = new Map<string, { shards: number; produced: Set<number> }>();
  for (const e of integrity) {
    const run = byRun.get(e.runId) ?? { shards: 0, produced: new Set<number>() };
    run.shards = Math.max(run.shards, e.shards);
    if (isProducerEntry(e)) run.produced.add(e.shard);
    byRun.set(e.runId, run);
  }
  const runs: RunCoverage[] = [...byRun].map(([runId, r]) => ({
    runId,
    shards: r.shards,
    missingSendShards: [...Array(r.shards).keys()].filter((s) => !r.produced.has(s)),
  }));
  const splitRunIds = runs.filter((r) => r.missingSendShards.length && r.missingSendShards.length < r.shards).map((r) => r.runId);
  const warnings: string[] = [];
  if (splitRunIds.length > 1) {
    warnings.push(
      `${splitRunIds.length} run ids (${splitRunIds.slice(0, 5).join(', ')}${splitRunIds.length > 5 ? ', …' : ''}) each hold send results for part of their shards: the shards were likely started without a shared run id; start every shard with the same --run-id (Indexed Job pods: JOB_UID)`,
    );
  } else {
    for (const r of runs.filter((x) => x.missingSendShards.length)) {
      const none = r.missingSendShards.length === r.shards;
      warnings.push(
        none
          ? `run ${r.runId}: no send result in the merge (${r.shards} shard${r.shards > 1 ? 's' : ''}): missing cannot be told from never sent; add the send results (files, logs or s3://)`
          : `run ${r.runId}: no send result for shard${r.missingSendShards.length > 1 ? 's' : ''} ${ranges(r.missingSendShards)} of ${r.shards}: missing cannot be judged for ${r.missingSendShards.length > 1 ? 'them' : 'it'}; add their results (files, logs or s3://)`,
      );
    }
  }
  const interrupted = parts
    .filter((p) => p.interrupted)
    .map((p) => ({ kind: p.kind, runId: p.runId, shard: p.shard, signal: p.interrupted as string }));
  return { complete: warnings.length === 0, runs, splitRunIds, interrupted, warnings };
}
