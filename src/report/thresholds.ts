/**
 * Thresholds turn a run into a pass/fail gate, as in k6: `--threshold 'p99<250ms'`, repeatable,
 * on send, drain, run and report. Any failed threshold makes the exit code 99. Expressions are
 * parsed before the run starts, so a bad one is a usage error (exit 2), not a failed run.
 */
import { isScalar, latencyMetric, metricUnit, type Op, type ScalarMetric } from '../config/thresholds.js';
import { loopBusy } from '../metrics/loop.js';
import { throttleCount } from '../sqs/error-codes.js';
import { exitCodeOf, type Result, type Threshold, type ThresholdOutcome } from '../result/document.js';

// Parsing lives below, in config/thresholds.ts (config reads it before the run); these callers take it from here too.
export { metricTable, metricUnit, parseThreshold, parseThresholds } from '../config/thresholds.js';
export type { Threshold, ThresholdOutcome };

/** How each one-number metric is read from a result (its unit and doc: config/thresholds.ts). */
const SCALARS: Record<ScalarMetric, (r: Result) => number | null> = {
  throughput: (r) => (r.phases.send ? r.throughput.send : r.throughput.receive),
  'send.throughput': (r) => r.throughput.send,
  'receive.throughput': (r) => r.throughput.receive,
  error_rate: (r) => (r.attempted ? r.failed / r.attempted : 0),
  sent: (r) => r.sent,
  failed: (r) => r.failed,
  received: (r) => r.received,
  missing: (r) => r.missing,
  duplicates: (r) => r.duplicates,
  errors: (r) => Object.values(r.errors).reduce((a, b) => a + b, 0),
  throttles: (r) => throttleCount(r.errors),
  dlq: (r) => r.dlqDepth,
  client_busy: (r) => loopBusy(r.timeline)?.mean ?? null,
};

/** A threshold metric's value in a result (null: no data, e.g. e2e on a send-only run). */
export function metricValue(r: Result, metric: string): number | null {
  if (isScalar(metric)) return SCALARS[metric](r);
  const l = latencyMetric(metric);
  const summary = l ? r[l.row.result] : null;
  return summary && l ? summary[l.stat] : null;
}

/** `a OP b`, for a run's thresholds and compare's relative ones alike. */
export function holds(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

/** A threshold whose metric has no data (e2e on a send-only run) fails: it cannot be shown met. */
export function evaluate(r: Result, thresholds: Threshold[]): ThresholdOutcome[] {
  return thresholds.map((t) => {
    const actual = metricValue(r, t.metric);
    // A merge lacking send results cannot show anything about `missing`: it fails, whatever the count.
    const unjudged = t.metric === 'missing' && r.coverage !== undefined && !r.coverage.complete;
    return { ...t, actual, ok: !unjudged && actual !== null && holds(actual, t.op, t.value), ...(unjudged ? { note: 'not judged: send results lacking' } : {}) };
  });
}

export function formatActual(t: ThresholdOutcome): string {
  if (t.note) return `${t.actual ?? 'no data'} (${t.note})`;
  if (t.actual === null) return 'no data';
  const unit = metricUnit(t.metric);
  if (unit === 'ms') return `${t.actual.toFixed(2)} ms`;
  if (unit === 'rate') return `${(t.actual * 100).toFixed(3)}%`;
  if (unit === 'msg/s') return `${t.actual.toFixed(1)} msg/s`;
  return String(t.actual);
}

/** Evaluate, record the outcome in the result, and give its exit code. */
export function judgeResult(r: Result, thresholds: Threshold[]): number {
  const outcomes = evaluate(r, thresholds);
  if (outcomes.length) r.thresholds = outcomes;
  r.exitCode = exitCodeOf(r, outcomes.some((o) => !o.ok));
  return r.exitCode;
}
