/**
 * A burst search as one self-contained page: achieved vs target msg/s, send p99 vs target and,
 * with --drain, the backlog's growth vs target, one point per step, the knee (the highest
 * sustained target) marked. Plain SVG: a handful of
 * points needs no chart library.
 */
import { externalChart } from './html-external.js';
import type { Search, Step } from '../result/burst.js';

const W = 560;
const H = 300;
const PAD = 48;

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function chart(title: string, steps: Step[], y: (s: Step) => number | null, yLabel: string, knee: number | null, diagonal: boolean): string {
  const pts = steps.map((s) => [s.target, y(s)] as const).filter((p): p is readonly [number, number] => p[1] !== null);
  const maxX = Math.max(1, ...steps.map((s) => s.target));
  const maxY = Math.max(1, ...pts.map((p) => p[1]), diagonal ? maxX : 0);
  const sx = (x: number) => PAD + (x / maxX) * (W - 2 * PAD);
  // Below zero only for depth growth: consumers that caught up on the warm-up's backlog.
  const minY = Math.min(0, ...pts.map((p) => p[1]));
  const sy = (v: number) => H - PAD - ((v - minY) / (maxY - minY)) * (H - 2 * PAD);
  const sorted = [...pts].sort((a, b) => a[0] - b[0]);
  const dots = steps
    .map((s) => {
      const v = y(s);
      return v === null ? '' : `<circle cx="${sx(s.target)}" cy="${sy(v)}" r="4" fill="${s.passed ? '#2a7' : '#d33'}"><title>${s.target} msg/s: ${v} ${esc(yLabel)}${s.passed ? '' : ' — ' + esc(s.why.join('; '))}</title></circle>`;
    })
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="#888"/><line x1="${PAD}" y1="${PAD}" x2="${PAD}" y2="${H - PAD}" stroke="#888"/>
<text x="${W / 2}" y="${H - 10}" text-anchor="middle">target msg/s (max ${maxX})</text><text x="12" y="${PAD - 12}">${esc(yLabel)} (max ${Math.round(maxY)})</text>
${diagonal ? `<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(maxX)}" y2="${sy(maxX)}" stroke="#aaa" stroke-dasharray="6 4"/>` : ''}
<polyline fill="none" stroke="#36c" stroke-width="2" points="${sorted.map((p) => `${sx(p[0])},${sy(p[1])}`).join(' ')}"/>
${knee !== null ? `<line class="knee" x1="${sx(knee)}" y1="${PAD}" x2="${sx(knee)}" y2="${H - PAD}" stroke="#e90" stroke-width="2"/><text x="${sx(knee) + 4}" y="${PAD + 12}">knee ${knee}</text>` : ''}
${dots}</svg></figure>`;
}

export function renderSearchHtml(s: Search): string {
  const knee = s.sustainedMsgPerSec;
  return `<!doctype html><meta charset="utf-8"><title>sqs-blast burst</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}figure{display:inline-block;margin:0 2em 2em 0}text{font-size:11px}</style>
<h1>sqs-blast burst</h1><p>${esc(s.verdict)}</p>
${chart('Achieved vs target (dashed: achieved = target)', s.steps, (x) => x.achieved, 'achieved msg/s', knee, true)}
${chart('Send p99 vs target', s.steps, (x) => x.p99, 'p99 ms', knee, false)}
${s.steps.some((x) => x.consumedPerSec !== undefined) ? externalChart(s) : s.steps.some((x) => x.depthGrowth !== null) ? chart('Depth growth in the step vs target (burst --drain)', s.steps, (x) => x.depthGrowth, 'messages', knee, false) : ''}`;
}
