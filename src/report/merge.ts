/**
 * `sqs-blast report`: find results (JSON files, or SQS_BLAST_RESULT lines in any log output) and
 * merge them exactly: counts add, HDR histograms add, integrity bitmaps OR (a message seen by two
 * drain pods is a duplicate), phases span from the earliest start to the latest end.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { addTallies } from '../metrics/tally.js';
import type { QueueDepth } from '../sqs/depth.js';
import { emptyResult, finalize, RESULT_PREFIX, SCHEMA, type Phase, type Result } from './result.js';

function isResult(x: unknown): x is Result {
  return typeof x === 'object' && x !== null && (x as Result).schema === SCHEMA;
}

/** Every result in a text: a whole JSON document, or result lines among other log lines. */
export function parseResults(text: string, source: string): Result[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const doc = JSON.parse(trimmed) as unknown;
      if (isResult(doc)) return [doc];
    } catch {
      // Not one document: fall through to line scanning (e.g. JSON lines).
    }
  }
  const found: Result[] = [];
  for (const line of text.split('\n')) {
    const at = line.indexOf(RESULT_PREFIX);
    if (at < 0) continue;
    try {
      const doc = JSON.parse(line.slice(at + RESULT_PREFIX.length)) as unknown;
      if (isResult(doc)) found.push(doc);
    } catch {
      throw new UsageError(`${source}: a ${RESULT_PREFIX.trim()} line is cut or corrupt; collect the full log (kubectl logs --tail=-1)`);
    }
  }
  return found;
}

export function readResults(sources: string[], stdin: () => string): Result[] {
  if (!sources.length) throw new UsageError('report needs result files, or - to read logs from stdin (e.g. kubectl logs -l job-name=X | sqs-blast report -)');
  const all: Result[] = [];
  for (const src of sources) {
    let text: string;
    try {
      text = src === '-' ? stdin() : readFileSync(src, 'utf8');
    } catch {
      throw new UsageError(`report: cannot read ${src}; check the path`);
    }
    const found = parseResults(text, src === '-' ? 'stdin' : src);
    if (!found.length) {
      throw new UsageError(`report: ${src === '-' ? 'stdin' : src} holds no sqs-blast result (a JSON file from --out, or ${RESULT_PREFIX.trim()} lines)`);
    }
    all.push(...found);
  }
  return all;
}

function unionPhase(a: Phase | undefined, b: Phase | undefined): Phase | undefined {
  if (!a) return b ? { ...b } : undefined;
  if (!b) return a;
  return { startedAt: Math.min(a.startedAt, b.startedAt), endedAt: Math.max(a.endedAt, b.endedAt) };
}

export function mergeResults(parts: Result[]): Result {
  const runIds = [...new Set(parts.map((p) => p.runId))];
  const merged = emptyResult('report', runIds.length === 1 ? runIds[0] : 'mixed', 0, Math.max(...parts.map((p) => p.shards)));
  merged.parts = parts.reduce((n, p) => n + (p.parts ?? 1), 0);
  merged.startedAt = Math.min(...parts.map((p) => p.startedAt));
  merged.endedAt = Math.max(...parts.map((p) => p.endedAt));
  // Counts, errors, cost, histograms, bitmaps, timelines: the same adder that merged each process's threads.
  addTallies(merged, parts);
  const latestQueues = new Map<string, { at: number; depth: QueueDepth }>();
  let planned: number | null = 0;
  let expected: number | null = null;
  for (const p of parts) {
    if (p.cost) merged.cost.pricePerMillion = p.cost.pricePerMillion;
    merged.phases.send = unionPhase(merged.phases.send, p.phases?.send);
    merged.phases.drain = unionPhase(merged.phases.drain, p.phases?.drain);
    if (p.phases?.send) planned = planned === null || p.planned === null ? null : planned + p.planned;
    if (p.expected !== null && p.expected !== undefined) expected = (expected ?? 0) + p.expected;
    // The same DLQ is seen by every drain pod: its depth is a level, not a sum.
    if (p.dlqDepth !== null && p.dlqDepth !== undefined) merged.dlqDepth = Math.max(merged.dlqDepth ?? 0, p.dlqDepth);
    for (const q of p.queues ?? []) {
      const have = latestQueues.get(q.url);
      if (!have || have.at < p.endedAt) latestQueues.set(q.url, { at: p.endedAt, depth: q });
    }
  }
  merged.planned = merged.phases.send ? planned : null;
  merged.expected = expected;
  merged.queues = [...latestQueues.values()].map((q) => q.depth);
  const interrupted = parts.filter((p) => p.interrupted).length;
  merged.config = {
    merged: parts.map((p) => ({ kind: p.kind, runId: p.runId, shard: p.shard, shards: p.shards, interrupted: p.interrupted, exitCode: p.exitCode })),
    endpoint: (parts[0].config as { endpoint?: string })?.endpoint,
    partsInterrupted: interrupted,
  };
  return finalize(merged);
}
