/**
 * `--html FILE`: one self-contained page (no network at view time) with the run's charts, drawn
 * by uPlot (inlined): msg/s over time, queue depth, HDR percentile curves on a log scale, latency
 * per second, errors by code over time, the threshold table and the run's parameters.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as hdr from 'hdr-histogram-js';
import { decode } from '../metrics/histogram.js';
import { LATENCIES, LATENCY_ROWS, latencyLabel, type LatencyName } from '../metrics/latencies.js';
import type { Result } from '../result/document.js';
import { formatActual } from './thresholds.js';

const require = createRequire(import.meta.url);

function asset(name: string): string {
  return readFileSync(require.resolve(`uplot/dist/${name}`), 'utf8');
}

/** Percentiles spaced evenly on the 1/(1-p) log axis, as HdrHistogram's plots show them. */
export const PERCENTILES = Array.from({ length: 51 }, (_, k) => 100 * (1 - 10 ** (-k / 10)));

export interface ChartSpec {
  id: string;
  title: string;
  /** time: x is epoch seconds; elapsed: seconds from a run's start; percentile: 1/(1-p). */
  kind: 'time' | 'elapsed' | 'percentile';
  yLabel: string;
  x: number[];
  series: Array<{ label: string; values: Array<number | null>; color: string; dash?: number[] }>;
  logY?: boolean;
  step?: boolean;
}

export const COLORS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#be185d'];

function percentileCurves(r: Result): ChartSpec | undefined {
  const series = LATENCY_ROWS.map((l): [string, string | undefined] => [latencyLabel(l, r.downstream !== undefined), r.histograms[l.key]])
    .map(([label, enc]) => (enc ? { label, h: decode(enc) } : undefined))
    .filter((s): s is { label: string; h: ReturnType<typeof decode> } => Boolean(s && s.h.totalCount))
    .map(({ label, h }, i) => ({ label, color: COLORS[i], values: PERCENTILES.map((p) => h.getValueAtPercentile(p) / 1000) }));
  return percentileChart('Latency by percentile (HDR, log scales)', series);
}

/** HDR percentile curves on log scales: x is 1/(1-p), as HdrHistogram's plots show them. */
export function percentileChart(title: string, series: ChartSpec['series']): ChartSpec | undefined {
  if (!series.length) return undefined;
  return { id: 'percentiles', title, kind: 'percentile', yLabel: 'ms', x: PERCENTILES.map((p) => 1 / (1 - Math.min(p, 99.999) / 100)), series, logY: true };
}

function timeCharts(r: Result): ChartSpec[] {
  const t = r.timeline;
  if (!t) return [];
  const length = Math.max(1, ...Object.values(t.series).map((v) => v.length));
  const x = Array.from({ length }, (_, i) => t.start / 1000 + i);
  const pad = (v: number[] | undefined) => Array.from({ length }, (_, i) => v?.[i] ?? 0);
  const charts: ChartSpec[] = [];

  const rate = [
    t.series.sent && { label: 'sent msg/s', values: pad(t.series.sent), color: COLORS[0] },
    // The open-model schedule's ask (--rate, --stages), dashed, so a shortfall shows as a gap.
    t.series.target && { label: 'target msg/s', values: pad(t.series.target), color: COLORS[0], dash: [6, 4] },
    t.series.received && { label: 'received msg/s', values: pad(t.series.received), color: COLORS[1] },
    t.series.failed && { label: 'failed msg/s', values: pad(t.series.failed), color: COLORS[2] },
  ].filter(Boolean) as ChartSpec['series'];
  if (rate.length) charts.push({ id: 'throughput', title: 'Messages per second', kind: 'time', yLabel: 'msg/s', x, series: rate });

  const perSecond = Object.entries(t.latency ?? {}).flatMap(([name, slots], i) => {
    const hs = Array.from({ length }, (_, k) => (slots[k] ? hdr.decodeFromCompressedBase64(slots[k]!) : undefined));
    const label = LATENCIES[name as LatencyName]?.short ?? name;
    return [50, 99].map((p, j) => ({
      label: `${label} p${p}`,
      color: COLORS[(2 * i + j) % COLORS.length],
      values: hs.map((h) => (h && h.totalCount ? h.getValueAtPercentile(p) / 1000 : null)),
    }));
  });
  if (perSecond.length) charts.push({ id: 'latency-time', title: 'Latency per second', kind: 'time', yLabel: 'ms', x, series: perSecond, logY: true });

  if (t.depth?.length) {
    const dx = t.depth.map((d) => d.t / 1000);
    charts.push({
      id: 'depth',
      title: 'Queue depth (all queues)',
      kind: 'time',
      yLabel: 'messages',
      x: dx,
      series: [
        { label: 'visible', values: t.depth.map((d) => d.visible), color: COLORS[0] },
        { label: 'in flight', values: t.depth.map((d) => d.inFlight), color: COLORS[4] },
        { label: 'delayed', values: t.depth.map((d) => d.delayed), color: COLORS[3] },
      ],
    });
  }

  if (t.series.redelivered?.some((v) => v > 0)) {
    charts.push({
      id: 'redelivered',
      title: 'Redeliveries per second (received again after the visibility timeout)',
      kind: 'time',
      yLabel: 'msg/s',
      x,
      series: [{ label: 'redelivered msg/s', values: pad(t.series.redelivered), color: COLORS[3] }],
      step: true,
    });
  }

  const busy = t.series.loopBusyMs;
  const seen = t.series.loopMs;
  if (busy && seen) {
    charts.push({
      id: 'client',
      title: 'Client: worker event loops busy',
      kind: 'time',
      yLabel: '% busy',
      x,
      series: [{ label: 'busy %', values: x.map((_, i) => (seen[i] ? (100 * (busy[i] ?? 0)) / seen[i] : null)), color: COLORS[4] }],
    });
  }

  const codes = Object.keys(t.series).filter((k) => k.startsWith('error:'));
  if (codes.length) {
    charts.push({
      id: 'errors',
      title: 'Errors by code per second',
      kind: 'time',
      yLabel: 'errors/s',
      x,
      series: codes.map((k, i) => ({ label: k.slice(6), values: pad(t.series[k]), color: COLORS[(i + 2) % COLORS.length] })),
      step: true,
    });
  }
  return charts;
}

export const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const num = (n: number) => Math.round(n).toLocaleString('en-US');

export function cards(r: Result): string {
  const items: Array<[string, string]> = [];
  if (r.phases.send) items.push(['sent', num(r.sent)], ['send msg/s', num(r.throughput.send)], ['failed', num(r.failed)]);
  if (r.phases.drain) items.push(['received', num(r.received)], ['receive msg/s', num(r.throughput.receive)], ['missing', r.partial ? 'n/a' : num(r.missing)], ['duplicates', num(r.duplicates)]);
  for (const l of LATENCY_ROWS) {
    const summary = r[l.result];
    if (l.card && summary) items.push([`${r.downstream && 'downstream' in l ? l.downstream : l.short} p99`, `${summary.p99.toFixed(1)} ms`]);
  }
  items.push(['duration', `${(r.durationMs / 1000).toFixed(1)} s`], ['exit code', String(r.exitCode ?? '')]);
  // As the summary's clock line: requests were signed on SQS's time, and the clock wants NTP.
  if (r.clockOffsetMs) items.push(["this machine's clock", `${(Math.abs(r.clockOffsetMs) / 1000).toFixed(1)} s ${r.clockOffsetMs > 0 ? 'behind' : 'ahead of'} SQS`]);
  return items.map(([k, v]) => `<div class="card"><div class="v">${esc(v)}</div><div class="k">${esc(k)}</div></div>`).join('');
}

function thresholdTable(r: Result): string {
  if (!r.thresholds?.length) return '<p class="muted">No thresholds were set (<code>--threshold \'p99&lt;250ms\'</code>).</p>';
  const rows = r.thresholds
    .map((t) => `<tr class="${t.ok ? 'pass' : 'fail'}"><td><code>${esc(t.expr)}</code></td><td>${esc(formatActual(t))}</td><td>${t.ok ? 'pass' : 'FAIL'}</td></tr>`)
    .join('');
  return `<table><thead><tr><th>threshold</th><th>actual</th><th>result</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function errorTable(r: Result): string {
  const rows = Object.entries(r.errors).sort((a, b) => b[1] - a[1]);
  if (!rows.length) return '<p class="muted">No errors.</p>';
  return `<table><thead><tr><th>code</th><th>events</th><th>messages failed</th></tr></thead><tbody>${rows
    .map(([c, n]) => `<tr><td>${esc(c)}</td><td>${num(n)}</td><td>${num(r.failures[c] ?? 0)}</td></tr>`)
    .join('')}</tbody></table>`;
}

/** Every chart of a result: the report's, and the live dashboard's each second. */
export function reportCharts(r: Result): ChartSpec[] {
  return [...timeCharts(r), percentileCurves(r)].filter((c): c is ChartSpec => Boolean(c));
}

export function renderHtml(r: Result): string {
  const charts = reportCharts(r);
  const verdict = r.exitCode === 0 ? 'PASS' : r.exitCode === 99 ? 'FAIL (threshold)' : r.exitCode === 1 ? 'FAIL' : `exit ${r.exitCode}`;
  return renderPage({
    title: `sqs-blast ${r.kind} ${r.runIds?.join(',') ?? r.runId}`,
    subtitle: `${new Date(r.startedAt).toISOString()} · ${(r.durationMs / 1000).toFixed(1)} s · ${r.parts > 1 ? `${r.parts} results merged` : `shard ${r.shard}/${r.shards}`}
 · <span class="verdict ${r.exitCode === 0 ? 'ok' : 'bad'}">${esc(verdict)}</span>`,
    cards: cards(r),
    charts,
    sections: `<h2>Thresholds</h2>${thresholdTable(r)}
<h2>Errors</h2>${errorTable(r)}
<h2>Run parameters</h2><pre>${esc(JSON.stringify(r.config, null, 2))}</pre>`,
  });
}

export interface Page {
  title: string;
  /** HTML under the title (escaped by the caller). */
  subtitle: string;
  cards: string;
  charts: ChartSpec[];
  /** HTML after the charts. */
  sections: string;
  /**
   * Live mode (the dashboard): a server-sent events URL. `update` events carry {subtitle, cards,
   * charts} and redraw the page; `final` means the run's report is ready, and the page reloads to it.
   */
  events?: string;
}

/** One page design for every report: header, cards, a grid of uPlot charts, then tables. */
export function renderPage(p: Page): string {
  // "</" cannot appear inside the inline script.
  const data = JSON.stringify(p.charts).replace(/<\//g, '<\\/');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(p.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${asset('uPlot.min.css')}
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#111;background:#fff}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
.muted{color:#666} .verdict{font-weight:600;padding:2px 8px;border-radius:4px}
.verdict.ok{background:#dcfce7;color:#166534} .verdict.bad{background:#fee2e2;color:#991b1b}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
.card{border:1px solid #e5e7eb;border-radius:6px;padding:8px 12px;min-width:110px}
.card .v{font-size:18px;font-weight:600} .card .k{color:#666;font-size:12px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}
.chart{min-width:0}
.chart{border:1px solid #e5e7eb;border-radius:6px;padding:8px}
table{border-collapse:collapse} td,th{border-bottom:1px solid #e5e7eb;padding:4px 10px;text-align:left}
tr.fail td{color:#991b1b;font-weight:600} tr.better td:last-child{color:#166534} tr.worse td:last-child{color:#991b1b}
pre{background:#f8fafc;padding:8px;overflow:auto;font-size:12px}
</style></head><body>
<h1>${esc(p.title)}</h1>
<div class="muted" id="subtitle">${p.subtitle}</div>
<div class="cards">${p.cards}</div>
<div class="grid" id="charts"></div>
${p.sections}
<script>${asset('uPlot.iife.min.js')}</script>
<script>
const root = document.getElementById('charts');
const decades = [1, 10, 100, 1e3, 1e4, 1e5];
let plots = [];
function draw(charts) {
plots.forEach((u) => u.destroy());
root.replaceChildren();
// Create every box first so the grid has its final layout before a chart measures its width.
const boxes = charts.map((c) => {
  const box = document.createElement('div');
  box.className = 'chart';
  box.id = 'chart-' + c.id;
  box.dataset.points = String(c.series.reduce((n, s) => n + s.values.filter((v) => v !== null && v !== undefined).length, 0));
  root.appendChild(box);
  return box;
});
plots = charts.map((c, i) => {
  const box = boxes[i];
  const percentile = c.kind === 'percentile';
  const opts = {
    title: c.title,
    width: Math.max(320, box.clientWidth - 18),
    height: 300,
    scales: { x: percentile ? { time: false, distr: 3 } : { time: c.kind === 'time' }, y: c.logY ? { distr: 3 } : {} },
    axes: [
      percentile
        ? { label: 'percentile', splits: () => decades, values: (u, ticks) => ticks.map((t) => (t <= 1 ? '0%' : (100 * (1 - 1 / t)).toFixed(Math.max(0, Math.round(Math.log10(t)) - 2)) + '%')) }
        : c.kind === 'elapsed' ? { label: 'seconds from start', space: 60 } : { space: 60 },
      { label: c.yLabel },
    ],
    series: [{}].concat(c.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dash, spanGaps: true, points: { show: percentile }, paths: c.step ? uPlot.paths.stepped({ align: 1 }) : undefined }))),
  };
  return new uPlot(opts, [c.x].concat(c.series.map((s) => s.values)), box);
});
}
draw(${data});
document.body.dataset.ready = 'true';
const events = ${JSON.stringify(p.events ?? null)};
if (events) {
  document.body.dataset.updates = '0';
  const source = new EventSource(events);
  source.addEventListener('update', (e) => {
    const d = JSON.parse(e.data);
    document.getElementById('subtitle').innerHTML = d.subtitle;
    document.querySelector('.cards').innerHTML = d.cards;
    draw(d.charts);
    document.body.dataset.updates = String(Number(document.body.dataset.updates) + 1);
  });
  source.addEventListener('final', () => {
    source.close();
    location.reload();
  });
}
</script>
</body></html>
`;
}
