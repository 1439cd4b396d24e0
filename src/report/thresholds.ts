/**
 * Thresholds turn a run into a pass/fail gate, as in k6: `--threshold 'p99<250ms'`, repeatable,
 * on send, drain, run and report. Any failed threshold makes the exit code 99. Expressions are
 * parsed before the run starts, so a bad one is a usage error (exit 2), not a failed run.
 */
import { UsageError } from '../errors.js';
import { LATENCY_ROWS, type LatencyRow } from '../metrics/latencies.js';
import { loopBusy } from '../metrics/loop.js';
import { throttleCount } from '../sqs/error-codes.js';
import { exitCodeOf, type Result, type Threshold, type ThresholdOutcome } from './result.js';

// The shapes live with the result document that carries their outcomes; config reads them here.
export type { Threshold, ThresholdOutcome };
type Op = Threshold['op'];

type Unit = 'ms' | 'rate' | 'count' | 'msg/s';

const LATENCY_STATS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean', 'min'] as const;
/** Latency thresholds by prefix (metrics/latencies.ts): `receive.p99`, `delete.max`…; bare `p99` is the send side's. */
const LATENCIES = new Map<string, LatencyRow>(LATENCY_ROWS.map((l) => [l.threshold, l]));

const SCALARS: Record<string, { unit: Unit; get: (r: Result) => number | null; doc: string }> = {
  throughput: { unit: 'msg/s', get: (r) => (r.phases.send ? r.throughput.send : r.throughput.receive), doc: 'send msg/s (receive msg/s for drain)' },
  'send.throughput': { unit: 'msg/s', get: (r) => r.throughput.send, doc: 'send msg/s' },
  'receive.throughput': { unit: 'msg/s', get: (r) => r.throughput.receive, doc: 'receive msg/s' },
  error_rate: { unit: 'rate', get: (r) => (r.attempted ? r.failed / r.attempted : 0), doc: 'messages failed / attempted' },
  sent: { unit: 'count', get: (r) => r.sent, doc: 'messages acknowledged' },
  failed: { unit: 'count', get: (r) => r.failed, doc: 'messages counted failed' },
  received: { unit: 'count', get: (r) => r.received, doc: 'messages received' },
  missing: { unit: 'count', get: (r) => r.missing, doc: 'messages sent but never received' },
  duplicates: { unit: 'count', get: (r) => r.duplicates, doc: 'extra copies received' },
  errors: { unit: 'count', get: (r) => Object.values(r.errors).reduce((a, b) => a + b, 0), doc: 'error events (retried or not)' },
  throttles: {
    unit: 'count',
    get: (r) => throttleCount(r.errors),
    doc: 'throttling errors of every code (ThrottlingException, 429…)',
  },
  dlq: { unit: 'count', get: (r) => r.dlqDepth, doc: 'messages in the dead-letter queue' },
  client_busy: {
    unit: 'rate',
    get: (r) => loopBusy(r.timeline)?.mean ?? null,
    doc: 'busy share of the worker event loops (~100%: client-bound)',
  },
};

/** The documented metric table (README and --help). */
export function metricTable(): Array<[string, string]> {
  const rows: Array<[string, string]> = LATENCY_ROWS.map((l) =>
    l.threshold === 'send' ? [LATENCY_STATS.join(' '), `${l.label} latency (ms); also send.p99`] : [`${l.threshold}.p99 …`, `${l.label} latency (ms)`],
  );
  for (const [name, s] of Object.entries(SCALARS)) rows.push([name, s.doc]);
  return rows;
}

export function metricUnit(metric: string): Unit | undefined {
  if (SCALARS[metric]) return SCALARS[metric].unit;
  const [side, stat] = metric.includes('.') ? metric.split('.') : ['send', metric];
  if (LATENCIES.has(side) && (LATENCY_STATS as readonly string[]).includes(stat)) return 'ms';
  return undefined;
}

const PATTERN = /^\s*([a-z_][a-z0-9_.]*)\s*(<=|>=|==|!=|<|>)\s*([0-9]*\.?[0-9]+)\s*(ms|s|us|µs|%|k)?\s*$/i;

export function parseThreshold(expr: string): Threshold {
  const m = PATTERN.exec(expr);
  const hint = `expected METRIC OP VALUE, e.g. p99<250ms, e2e.p99<2s, throughput>=10000, error_rate<0.1%, missing==0`;
  if (!m) throw new UsageError(`--threshold ${JSON.stringify(expr)} is not a threshold; ${hint}`);
  const [, rawMetric, op, num, suffix] = m;
  const metric = rawMetric.toLowerCase();
  const unit = metricUnit(metric);
  if (!unit) {
    throw new UsageError(
      `--threshold ${JSON.stringify(expr)}: unknown metric ${JSON.stringify(metric)}; use one of p99, ${LATENCY_ROWS.filter((l) => l.threshold !== 'send').map((l) => `${l.threshold}.p99`).join(', ')}, ${Object.keys(SCALARS).join(', ')}`,
    );
  }
  let value = Number(num);
  const s = suffix?.toLowerCase();
  if (unit === 'ms') {
    if (s === 's') value *= 1000;
    else if (s === 'us' || s === 'µs') value /= 1000;
    else if (s && s !== 'ms') throw new UsageError(`--threshold ${JSON.stringify(expr)}: a latency takes ms, s or us`);
  } else if (unit === 'rate') {
    if (s === '%') value /= 100;
    else if (s) throw new UsageError(`--threshold ${JSON.stringify(expr)}: a rate takes a fraction or a percentage, e.g. 0.1%`);
  } else if (s === 'k') value *= 1000;
  else if (s) throw new UsageError(`--threshold ${JSON.stringify(expr)}: ${metric} takes a plain number${unit === 'msg/s' ? ' (or 10k)' : ''}`);
  return { expr: expr.trim(), metric, op: op as Op, value };
}

export function parseThresholds(exprs: unknown): Threshold[] {
  if (exprs === undefined) return [];
  const list = (Array.isArray(exprs) ? exprs : [exprs]).flatMap((e) => String(e).split(/\s*;\s*/)).filter(Boolean);
  return list.map(parseThreshold);
}

/** A threshold metric's value in a result (null: no data, e.g. e2e on a send-only run). */
export function metricValue(r: Result, metric: string): number | null {
  if (SCALARS[metric]) return SCALARS[metric].get(r);
  const [side, stat] = metric.includes('.') ? metric.split('.') : ['send', metric];
  const l = r[LATENCIES.get(side)!.result];
  return l ? l[stat as (typeof LATENCY_STATS)[number]] : null;
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
export function conclude(r: Result, thresholds: Threshold[]): number {
  const outcomes = evaluate(r, thresholds);
  if (outcomes.length) r.thresholds = outcomes;
  r.exitCode = exitCodeOf(r, outcomes.some((o) => !o.ok));
  return r.exitCode;
}
