/**
 * Threshold expressions, read before the run starts (a bad one is a usage error, exit 2, not a
 * failed run): which metrics exist, their units, and the parse. Evaluating them against a result
 * is report/thresholds.ts; this half needs nothing of the result, so config reads it without
 * reaching up into report/.
 */
import { UsageError } from '../errors.js';
import { LATENCY_ROWS, type LatencyRow } from '../metrics/latencies.js';

export type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** A pass/fail gate: parsed here, evaluated by report/thresholds.ts, its outcome kept in the result. */
export interface Threshold {
  expr: string;
  metric: string;
  op: Op;
  /** In the metric's own unit: ms for latencies, a fraction for rates, msg/s, counts. */
  value: number;
}

export type Unit = 'ms' | 'rate' | 'count' | 'msg/s';

export const LATENCY_STATS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean', 'min'] as const;
export type LatencyStat = (typeof LATENCY_STATS)[number];
/** Latency thresholds by prefix (metrics/latencies.ts): `receive.p99`, `delete.max`…; bare `p99` is the send side's. */
export const THRESHOLD_LATENCIES = new Map<string, LatencyRow>(LATENCY_ROWS.map((l) => [l.threshold, l]));

/** Every metric that is one number, its unit and its documentation (report/thresholds.ts holds how each is read). */
export const SCALAR_METRICS = {
  throughput: { unit: 'msg/s', doc: 'send msg/s (receive msg/s for drain)' },
  'send.throughput': { unit: 'msg/s', doc: 'send msg/s' },
  'receive.throughput': { unit: 'msg/s', doc: 'receive msg/s' },
  error_rate: { unit: 'rate', doc: 'messages failed / attempted' },
  sent: { unit: 'count', doc: 'messages acknowledged' },
  failed: { unit: 'count', doc: 'messages counted failed' },
  received: { unit: 'count', doc: 'messages received' },
  missing: { unit: 'count', doc: 'messages sent but never received' },
  duplicates: { unit: 'count', doc: 'extra copies received' },
  errors: { unit: 'count', doc: 'error events (retried or not)' },
  throttles: { unit: 'count', doc: 'throttling errors of every code (ThrottlingException, 429…)' },
  dlq: { unit: 'count', doc: 'messages in the dead-letter queue' },
  client_busy: { unit: 'rate', doc: 'busy share of the worker event loops (~100%: client-bound)' },
} as const satisfies Record<string, { unit: Unit; doc: string }>;
export type ScalarMetric = keyof typeof SCALAR_METRICS;

export const isScalar = (metric: string): metric is ScalarMetric => Object.hasOwn(SCALAR_METRICS, metric);

/** A latency metric's side and statistic (`receive.p99` → receive, p99; `p99` → send, p99). */
export function latencyMetric(metric: string): { row: LatencyRow; stat: LatencyStat } | undefined {
  const [side, stat] = metric.includes('.') ? metric.split('.') : ['send', metric];
  const row = THRESHOLD_LATENCIES.get(side);
  return row && (LATENCY_STATS as readonly string[]).includes(stat) ? { row, stat: stat as LatencyStat } : undefined;
}

/** The documented metric table (README and --help). */
export function metricTable(): Array<[string, string]> {
  const rows: Array<[string, string]> = LATENCY_ROWS.map((l) =>
    l.threshold === 'send' ? [LATENCY_STATS.join(' '), `${l.label} latency (ms); also send.p99`] : [`${l.threshold}.p99 …`, `${l.label} latency (ms)`],
  );
  for (const [name, s] of Object.entries(SCALAR_METRICS)) rows.push([name, s.doc]);
  return rows;
}

export function metricUnit(metric: string): Unit | undefined {
  if (isScalar(metric)) return SCALAR_METRICS[metric].unit;
  return latencyMetric(metric) ? 'ms' : undefined;
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
      `--threshold ${JSON.stringify(expr)}: unknown metric ${JSON.stringify(metric)}; use one of p99, ${LATENCY_ROWS.filter((l) => l.threshold !== 'send').map((l) => `${l.threshold}.p99`).join(', ')}, ${Object.keys(SCALAR_METRICS).join(', ')}`,
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
