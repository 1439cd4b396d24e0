/**
 * What the run's ledger changes in a merge. Every pod attempt is a part; the merge must know
 * which attempts belong to one apply of the run, which were killed (their object is still a
 * checkpoint), and which interrupted attempts a later one of the same shard carried on.
 */
import { UsageError } from '../errors.js';
import type { Result, UnfinishedAttempt } from '../result/document.js';

export interface LedgerView {
  parts: Result[];
  unfinished: UnfinishedAttempt[];
  /** Interrupted attempts that a later attempt of the same shard carried to its end. */
  superseded: Set<Result>;
}

/** Counts as the summary shows them (1,240). */
const int = (n: number) => n.toLocaleString('en-US');

const shardKey = (r: Result) => `${r.runId}\u0000${r.kind}\u0000${r.shard}`;

/**
 * `jobUids`: the controller uids to keep (report --job-uid). Two applies of one run id (a Job
 * re-created after its TTL, by hand or by GitOps) are two runs: refused unless one is chosen.
 */
export function ledgerView(all: Result[], jobUids: string[] = []): LedgerView {
  const chosen = new Set(jobUids);
  const parts = chosen.size ? all.filter((r) => !r.attempt?.controllerUid || chosen.has(r.attempt.controllerUid)) : all;
  if (chosen.size && !parts.some((r) => r.attempt?.controllerUid)) {
    throw new UsageError(`report --job-uid ${jobUids.join(',')}: no result of those Job uids; the results name ${uidsOf(all).join(', ') || 'none'}`);
  }
  const byKind = new Map<string, Set<string>>();
  for (const r of parts) {
    if (!r.attempt?.controllerUid) continue;
    const key = `${r.runId} ${r.kind}`;
    byKind.set(key, (byKind.get(key) ?? new Set()).add(r.attempt.controllerUid));
  }
  const mixed = [...byKind].filter(([, uids]) => uids.size > 1);
  if (mixed.length) {
    const runId = mixed[0][0].split(' ')[0];
    const which = mixed.map(([key, uids]) => `${key.split(' ')[1]} Jobs ${[...uids].join(', ')}`).join('; ');
    throw new UsageError(
      `report: run ${runId} was applied more than once (${which}): merge one apply with --job-uid UID (repeatable: its send and its drain Job), or delete the other's objects`,
    );
  }
  const unfinished: UnfinishedAttempt[] = [];
  const out = parts.map((r) => {
    if (!r.attempt || r.attempt.final) return r;
    unfinished.push({ kind: r.kind, runId: r.runId, shard: r.shard, pod: r.attempt.pod, lastCheckpointAt: r.attempt.at, sent: r.sent, received: r.received });
    // A killed producer's seqs after its checkpoint are unknown: its entries say so.
    return { ...r, integrity: r.integrity.map((e) => (e.settled !== undefined ? { ...e, open: true } : e)) };
  });
  const superseded = new Set<Result>();
  const latest = new Map<string, Result>();
  for (const r of out) {
    const have = latest.get(shardKey(r));
    if (!have || (r.attempt?.at ?? r.endedAt) > (have.attempt?.at ?? have.endedAt)) latest.set(shardKey(r), r);
  }
  for (const r of out) {
    const last = latest.get(shardKey(r))!;
    if (r !== last && r.interrupted && last.attempt?.final && !last.interrupted) superseded.add(r);
  }
  return { parts: out, unfinished, superseded };
}

function uidsOf(results: Result[]): string[] {
  return [...new Set(results.map((r) => r.attempt?.controllerUid).filter((u): u is string => Boolean(u)))];
}

/** Planned messages: each send shard once, however many attempts it took (the first planned it all). */
export function plannedOf(parts: Result[]): number | null {
  const byShard = new Map<string, number | null>();
  for (const p of parts) {
    if (!p.phases?.send) continue;
    const key = `${p.runId}\u0000${p.shard}`;
    const planned = p.planned === null ? null : p.planned + (p.attempt?.resumedFrom ?? 0);
    const have = byShard.get(key);
    byShard.set(key, have === undefined ? planned : have === null || planned === null ? null : Math.max(have, planned));
  }
  let total: number | null = 0;
  for (const v of byShard.values()) total = total === null || v === null ? null : total + v;
  return total;
}

/** One line per killed attempt, with its window and (for drains) the bound it leaves. */
export function unfinishedWarnings(unfinished: UnfinishedAttempt[], unaccounted: number, superseded: (u: UnfinishedAttempt) => boolean): string[] {
  return unfinished.map((u) => {
    const at = new Date(u.lastCheckpointAt).toISOString().replace(/\.\d+Z$/, 'Z');
    const consumer = u.kind === 'drain' || u.kind === 'run';
    if (consumer && !unaccounted) {
      return `${u.kind} shard ${u.shard} (pod ${u.pod}) stopped without a result after its last checkpoint at ${at} (${int(u.received)} received by then); every acknowledged message was seen by a consumer, so nothing it may have taken is unaccounted`;
    }
    if (consumer) {
      return `${u.kind} shard ${u.shard} (pod ${u.pod}) stopped without a result after its last checkpoint at ${at} (${int(u.received)} received by then): up to ${int(unaccounted)} acknowledged messages no consumer was seen to take may have been taken by it after that; they are unaccounted, not missing`;
    }
    return superseded(u)
      ? `send shard ${u.shard} (pod ${u.pod}) stopped without a result after its last checkpoint at ${at}; a later attempt resumed the shard (copies sent by both are counted as resent)`
      : `send shard ${u.shard} (pod ${u.pod}) stopped without a result after its last checkpoint at ${at}, and no later attempt finished the shard: messages it may have sent after that are unaccounted`;
  });
}
