/**
 * `compare --html FILE`: both runs on the same charts, in the report's one page design. Base is
 * dashed, new is solid; time runs from each run's own start so runs of different days line up.
 */
import { decode } from '../metrics/histogram.js';
import { LATENCY_ROWS } from '../metrics/latencies.js';
import { formatChange, type CompareOutcome, type ComparedFigure } from './compare.js';
import { COLORS, esc, PERCENTILES, percentileChart, renderPage, type ChartSpec } from './html.js';
import type { Result } from '../result/document.js';

const BASE_DASH = [6, 4];
/** Base is drawn in its kind's colour at half strength, dashed: the eye reads it as 'before'. */
const faded = (color: string) => color + '80';

function percentileOverlay(base: Result, next: Result): ChartSpec | undefined {
  const series: ChartSpec['series'] = [];
  LATENCY_ROWS.forEach(({ key, label }, i) => {
    for (const [who, r, dash] of [['base', base, BASE_DASH], ['new', next, undefined]] as const) {
      const enc = r.histograms[key];
      if (!enc) continue;
      const h = decode(enc);
      if (!h.totalCount) continue;
      series.push({ label: `${label} (${who})`, color: dash ? faded(COLORS[i]) : COLORS[i], dash, values: PERCENTILES.map((p) => h.getValueAtPercentile(p) / 1000) });
    }
  });
  return percentileChart('Latency by percentile, base dashed vs new (HDR, log scales)', series);
}

function throughputOverlay(base: Result, next: Result): ChartSpec | undefined {
  const runs = [['base', base, BASE_DASH], ['new', next, undefined]] as const;
  const length = Math.max(0, ...runs.flatMap(([, r]) => Object.values(r.timeline?.series ?? {}).map((v) => v.length)));
  if (!length) return undefined;
  const x = Array.from({ length }, (_, i) => i);
  const series: ChartSpec['series'] = [];
  for (const [who, r, dash] of runs) {
    const s = r.timeline?.series ?? {};
    const tone = (c: string) => (dash ? faded(c) : c);
    if (s.sent) series.push({ label: `sent msg/s (${who})`, color: tone(COLORS[0]), dash, values: x.map((i) => s.sent[i] ?? null) });
    if (s.received) series.push({ label: `received msg/s (${who})`, color: tone(COLORS[1]), dash, values: x.map((i) => s.received[i] ?? null) });
  }
  return series.length ? { id: 'throughput', title: 'Messages per second, base dashed vs new', kind: 'elapsed', yLabel: 'msg/s', x, series } : undefined;
}

function figureTable(figures: ComparedFigure[]): string {
  const v = (n: number | null) => (n === null ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: n >= 100 ? 0 : 2 }));
  const rows = figures
    .map((f) => `<tr class="${f.verdict}"><td>${esc(f.label)}</td><td>${v(f.base)}</td><td>${v(f.next)}</td><td>${esc(formatChange(f.changePct))}</td><td>${f.verdict === 'n/a' ? '' : f.verdict}</td></tr>`)
    .join('');
  return `<table><thead><tr><th></th><th>base</th><th>new</th><th>change</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function outcomeTable(outcomes: CompareOutcome[]): string {
  if (!outcomes.length) return '<p class="muted">No thresholds were set (<code>--threshold \'p99&lt;+10%\'</code>).</p>';
  const rows = outcomes
    .map((o) => `<tr class="${o.ok ? 'pass' : 'fail'}"><td><code>${esc(o.expr)}</code></td><td>${esc(o.relative ? formatChange(o.actual) : String(o.actual ?? 'no data'))}</td><td>${o.ok ? 'pass' : 'FAIL'}</td></tr>`)
    .join('');
  return `<table><thead><tr><th>threshold</th><th>actual</th><th>result</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function renderCompareHtml(base: Result, next: Result, figures: ComparedFigure[], outcomes: CompareOutcome[]): string {
  const name = (r: Result) => r.runIds?.join(',') ?? r.runId;
  const failed = outcomes.some((o) => !o.ok);
  const better = figures.filter((f) => f.verdict === 'better').length;
  const worse = figures.filter((f) => f.verdict === 'worse').length;
  return renderPage({
    title: `sqs-blast compare ${name(base)} → ${name(next)}`,
    subtitle: `base ${esc(base.kind)} ${esc(new Date(base.startedAt).toISOString())} · new ${esc(next.kind)} ${esc(new Date(next.startedAt).toISOString())}
 · <span class="verdict ${failed ? 'bad' : 'ok'}">${failed ? 'FAIL (threshold)' : 'PASS'}</span>`,
    cards: [
      [String(better), 'figures better'],
      [String(worse), 'figures worse'],
      [String(outcomes.filter((o) => !o.ok).length), 'thresholds failed'],
    ]
      .map(([v, k]) => `<div class="card"><div class="v">${esc(v)}</div><div class="k">${esc(k)}</div></div>`)
      .join(''),
    charts: [throughputOverlay(base, next), percentileOverlay(base, next)].filter((c): c is ChartSpec => Boolean(c)),
    sections: `<h2>Figures</h2>${figureTable(figures)}<h2>Thresholds</h2>${outcomeTable(outcomes)}`,
  });
}
