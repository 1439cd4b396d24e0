/**
 * burst --consumer external's chart: per step, the rate sent, the rate the user's consumers took
 * and the backlog's growth (all msg/s, one axis) against the target, the knee marked. Where the
 * consumed line leaves the sent one, the backlog line rises off zero.
 */
import type { Search, Step } from '../result/burst.js';

const W = 560;
const H = 300;
const PAD = 48;

interface Line {
  name: string;
  cls: string;
  color: string;
  y: (s: Step) => number | null | undefined;
}

const LINES: Line[] = [
  { name: 'sent', cls: 'sent', color: '#36c', y: (s) => s.achieved },
  { name: 'consumed', cls: 'consumed', color: '#2a7', y: (s) => s.consumedPerSec },
  { name: 'backlog growth', cls: 'backlog', color: '#d33', y: (s) => s.backlogPerSec },
];

export function externalChart(s: Search): string {
  const steps = [...s.steps].sort((a, b) => a.target - b.target);
  const values = steps.flatMap((x) => LINES.map((l) => l.y(x)).filter((v): v is number => typeof v === 'number'));
  const maxX = Math.max(1, ...steps.map((x) => x.target));
  const maxY = Math.max(1, ...values);
  const minY = Math.min(0, ...values);
  const sx = (x: number) => PAD + (x / maxX) * (W - 2 * PAD);
  const sy = (v: number) => H - PAD - ((v - minY) / (maxY - minY)) * (H - 2 * PAD);
  const knee = s.sustainedMsgPerSec;
  const title = 'Sent, consumed and backlog growth vs target (burst --consumer external)';
  const series = LINES.map((l) => {
    const pts = steps.map((x) => [x.target, l.y(x)] as const).filter((p): p is readonly [number, number] => typeof p[1] === 'number');
    const dots = pts.map(([x, v]) => `<circle class="${l.cls}" cx="${sx(x)}" cy="${sy(v)}" r="3" fill="${l.color}"><title>${x} msg/s: ${l.name} ${v} msg/s</title></circle>`).join('');
    return `<polyline fill="none" stroke="${l.color}" stroke-width="2" points="${pts.map(([x, v]) => `${sx(x)},${sy(v)}`).join(' ')}"/>${dots}`;
  }).join('\n');
  const legend = LINES.map((l, i) => `<text x="${W - PAD - 110}" y="${PAD + 14 * i}" fill="${l.color}">${l.name}</text>`).join('');
  return `<figure><figcaption>${title}</figcaption><svg width="${W}" height="${H}" role="img" aria-label="${title}">
<line x1="${PAD}" y1="${sy(0)}" x2="${W - PAD}" y2="${sy(0)}" stroke="#888"/><line x1="${PAD}" y1="${PAD}" x2="${PAD}" y2="${H - PAD}" stroke="#888"/>
<text x="${W / 2}" y="${H - 10}" text-anchor="middle">target msg/s (max ${maxX})</text><text x="12" y="${PAD - 12}">msg/s (max ${Math.round(maxY)})</text>
${knee !== null ? `<line class="knee" x1="${sx(knee)}" y1="${PAD}" x2="${sx(knee)}" y2="${H - PAD}" stroke="#e90" stroke-width="2"/><text x="${sx(knee) + 4}" y="${PAD + 12}">knee ${knee}</text>` : ''}
${series}${legend}</svg></figure>`;
}
