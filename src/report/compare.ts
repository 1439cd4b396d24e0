/**
 * `sqs-blast compare BASE NEW`: two results side by side, the change of each figure in percent and
 * whether that is better or worse, and thresholds that gate on the change (`p99<+10%`: NEW's p99 at
 * most 10% above BASE's) as well as on NEW alone (`p99<250ms`). A failed bound exits 99, like a
 * run's thresholds, so a CI job can refuse a regression.
 */
import { UsageError } from '../errors.js';
import { LATENCY_ROWS } from '../metrics/latencies.js';
import type { Result } from '../result/document.js';
import type { StoreNotes } from './sink.js';
import { evaluate, holds, metricUnit, metricValue, parseThreshold, type Threshold, type ThresholdOutcome } from './thresholds.js';
import { table } from './summary.js';

type Better = 'higher' | 'lower';

type Format = 'count' | 'rate' | 'number';

interface Figure {
  metric: string;
  label: string;
  better: Better;
  get: (r: Result) => number | null;
  format?: Format;
  /** Shown only when either side is not 0 (a fact most runs do not have). */
  onlyNonZero?: boolean;
}

const latency = (side: string, label: string): Figure[] =>
  ['p50', 'p90', 'p99', 'p999', 'max'].map((stat) => {
    // The send side's metrics read bare (p99), as thresholds name them.
    const metric = side === 'send' ? stat : `${side}.${stat}`;
    return { metric, label: `${label} ${stat}`, better: 'lower', get: (r: Result) => metricValue(r, metric) };
  });

const perMillion = (r: Result): number | null => {
  const messages = r.sent || r.received;
  return messages ? (r.cost.usd / messages) * 1e6 : null;
};

const slowestSubscription = (r: Result): number | null => {
  const p99s = (r.fanOut?.subscriptions ?? []).map((s) => s.e2eLatency?.p99).filter((p): p is number => p !== undefined);
  return p99s.length ? Math.max(...p99s) : null;
};

/** Every figure a comparison shows, in display order; `metric` names the same figure for thresholds. */
const FIGURES: Figure[] = [
  { metric: 'send.throughput', label: 'send msg/s', better: 'higher', get: (r) => (r.phases.send ? r.throughput.send : null) },
  { metric: 'receive.throughput', label: 'receive msg/s', better: 'higher', get: (r) => (r.phases.drain ? r.throughput.receive : null) },
  ...LATENCY_ROWS.flatMap((l) => latency(l.threshold, `${l.label} ms`)),
  { metric: 'error_rate', label: 'error rate', better: 'lower', get: (r) => metricValue(r, 'error_rate'), format: 'rate' },
  { metric: 'errors', label: 'errors', better: 'lower', get: (r) => metricValue(r, 'errors'), format: 'count' },
  { metric: 'throttles', label: 'throttles', better: 'lower', get: (r) => metricValue(r, 'throttles'), format: 'count' },
  { metric: 'duplicates', label: 'duplicates', better: 'lower', get: (r) => (r.phases.drain ? r.duplicates : null), format: 'count' },
  { metric: 'missing', label: 'missing', better: 'lower', get: (r) => (r.phases.drain ? r.missing : null), format: 'count' },
  // drain --fan-out: how many subscriptions lost messages, and the slowest subscription's end-to-end p99.
  { metric: 'fanout.lost', label: 'subscriptions with losses', better: 'lower', get: (r) => (r.fanOut ? r.fanOut.lost.length : null), format: 'count' },
  { metric: 'fanout.e2e.p99', label: 'slowest subscription e2e p99 ms', better: 'lower', get: slowestSubscription },
  { metric: 'cost', label: 'cost $ per million msgs', better: 'lower', get: perMillion },
  { metric: 'cpu', label: 'client µs CPU per msg', better: 'lower', get: (r) => r.client?.usPerMessage ?? null },
  // send --observe: the user's consumers, from the queue depth.
  { metric: 'consumers.throughput', label: 'your consumers msg/s', better: 'higher', get: (r) => r.consumers?.consumedPerSec ?? null },
  { metric: 'backlog.growth', label: 'backlog growth msg/s', better: 'lower', get: (r) => r.consumers?.growthPerSec ?? null },
  { metric: 'dlq.gain', label: 'DLQ gain', better: 'lower', get: (r) => r.consumers?.dlqGain ?? null, format: 'count' },
  // How far this machine's clock was from SQS's, either way (requests were signed at the offset).
  { metric: 'clock_offset', label: 'clock off by s', better: 'lower', get: (r) => Math.abs(r.clockOffsetMs ?? 0) / 1000, onlyNonZero: true },
];

/** Changes smaller than this are noise in any load test; they are shown as '≈'. */
const SAME_WITHIN_PCT = 1;

export interface ComparedFigure {
  metric: string;
  label: string;
  base: number | null;
  next: number | null;
  /** (next − base) / base in percent; null without both values, ±Infinity from a zero base. */
  changePct: number | null;
  verdict: 'better' | 'worse' | 'same' | 'n/a';
  format: Format;
}

export function changePct(base: number | null, next: number | null): number | null {
  if (base === null || next === null) return null;
  if (base === next) return 0;
  if (base === 0) return next > 0 ? Infinity : -Infinity;
  return ((next - base) / Math.abs(base)) * 100;
}

export function compareResults(base: Result, next: Result): ComparedFigure[] {
  return FIGURES.map((f) => {
    const b = f.get(base);
    const n = f.get(next);
    const change = changePct(b, n);
    let verdict: ComparedFigure['verdict'] = 'n/a';
    if (change !== null) {
      if (Math.abs(change) < SAME_WITHIN_PCT) verdict = 'same';
      else verdict = (change > 0) === (f.better === 'higher') ? 'better' : 'worse';
    }
    return { metric: f.metric, label: f.label, base: b, next: n, changePct: change, verdict, format: f.format ?? 'number' };
  }).filter((c, i) => (FIGURES[i].onlyNonZero ? Boolean(c.base || c.next) : c.base !== null || c.next !== null));
}

export interface RelativeThreshold {
  expr: string;
  metric: string;
  op: Threshold['op'];
  /** Bound on the change in percent, e.g. +10 for 'p99<+10%'. */
  pct: number;
}

export type CompareThreshold = { relative: RelativeThreshold } | { absolute: Threshold };

export interface CompareOutcome {
  expr: string;
  /** The change in percent (relative) or NEW's value (absolute); null: no data, which fails. */
  actual: number | null;
  ok: boolean;
  relative: boolean;
}

// A signed percentage is a change against BASE; 'error_rate<0.1%' (no sign) stays absolute.
const RELATIVE = /^\s*([a-z_][a-z0-9_.]*)\s*(<=|>=|==|!=|<|>)\s*([+-])\s*([0-9]*\.?[0-9]+)\s*%\s*$/i;

export function parseCompareThreshold(expr: string): CompareThreshold {
  const m = RELATIVE.exec(expr);
  if (!m) return { absolute: parseThreshold(expr) };
  const [, rawMetric, op, sign, num] = m;
  const metric = rawMetric.toLowerCase();
  if (!FIGURES.some((f) => f.metric === metric) && !metricUnit(metric)) {
    throw new UsageError(
      `--threshold ${JSON.stringify(expr)}: unknown metric ${JSON.stringify(metric)}; compare knows ${FIGURES.map((f) => f.metric).join(', ')}`,
    );
  }
  return { relative: { expr: expr.trim(), metric, op: op as Threshold['op'], pct: (sign === '-' ? -1 : 1) * Number(num) } };
}

function figureValue(r: Result, metric: string): number | null {
  const f = FIGURES.find((x) => x.metric === metric);
  return f ? f.get(r) : metricValue(r, metric);
}

export function evaluateCompare(base: Result, next: Result, thresholds: CompareThreshold[]): CompareOutcome[] {
  return thresholds.map((t) => {
    if ('absolute' in t) {
      const [o] = evaluate(next, [t.absolute]) as ThresholdOutcome[];
      return { expr: o.expr, actual: o.actual, ok: o.ok, relative: false };
    }
    const r = t.relative;
    const change = changePct(figureValue(base, r.metric), figureValue(next, r.metric));
    return { expr: r.expr, actual: change, ok: change !== null && holds(change, r.op, r.pct), relative: true };
  });
}

const num = (n: number | null, format: Format = 'number'): string => {
  if (n === null) return '-';
  if (format === 'count') return Math.round(n).toLocaleString('en-US');
  if (format === 'rate') return `${(n * 100).toFixed(3)}%`;
  const a = Math.abs(n);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 0.01 || a === 0 ? 2 : 4;
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
};

export function formatChange(pct: number | null): string {
  if (pct === null) return '-';
  if (!Number.isFinite(pct)) return pct > 0 ? '+∞%' : '-∞%';
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

const MARK = { better: '▲ better', worse: '▼ worse', same: '≈', 'n/a': '' } as const;

/** `stored`: where the sink put the comparison (report/sink.ts), and why the exit rose if it could not. */
export function renderComparison(base: Result, next: Result, figures: ComparedFigure[], outcomes: CompareOutcome[], stored: StoreNotes = { notes: [], reasons: [] }): string {
  const who = (r: Result) => `${r.kind} run ${r.runIds?.join(',') ?? r.runId} (${r.parts > 1 ? `${r.parts} results` : `shard ${r.shard}/${r.shards}`})`;
  const out = [`sqs-blast compare`, `base  ${who(base)}`, `new   ${who(next)}`, ''];
  out.push(...table([['', 'base', 'new', 'change', ''], ...figures.map((f) => [f.label, num(f.base, f.format), num(f.next, f.format), formatChange(f.changePct), MARK[f.verdict]])], ['l', 'r', 'r', 'r', 'l']));
  if (outcomes.length) {
    out.push('');
    out.push(
      ...table(
        [['threshold', 'actual', ''], ...outcomes.map((o) => [o.expr, o.relative ? formatChange(o.actual) : o.actual === null ? 'no data' : num(o.actual), o.ok ? 'ok' : 'FAILED'])],
        ['l', 'r', 'l'],
      ),
    );
  }
  const failed = outcomes.filter((o) => !o.ok).length;
  out.push('');
  out.push(...stored.notes);
  const also = stored.reasons.length ? ` (also ${stored.reasons.join(', ')})` : '';
  if (failed) out.push(`FAIL  exit 99: ${failed} of ${outcomes.length} thresholds failed${also}`);
  else if (stored.reasons.length) out.push(`FAIL  exit 1: ${stored.reasons.join(', ')}`);
  else out.push(`PASS  exit 0${outcomes.length ? `: ${outcomes.length} thresholds met` : ''}`);
  return out.join('\n');
}
