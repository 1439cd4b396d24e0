/**
 * The Grafana dashboard's own queries (k8s/observability/grafana-dashboard.json), evaluated over
 * real scrapes of a sharded run (two send shards and a drain, each its own process with
 * --metrics-port) and drawn with the report's page design: what Grafana would show. The sums over
 * shards must add up to the results the processes printed; the page is screenshotted for the README.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COLORS, esc, renderPage, type ChartSpec } from '../src/report/html.js';
import { hasChromium, inkedCharts, withPage } from './browser.js';
import { endpoint, resultFrom, runCli, uniquePrefix } from './helpers.js';
import { ROOT } from './k8s.contract.js';
import { evaluate, type Sample, type Snapshot } from './promql-lite.js';
import { scrape } from './scrape.js';

const dashboard = JSON.parse(readFileSync(join(ROOT, 'k8s/observability/grafana-dashboard.json'), 'utf8'));
const RANGE_S = 3;

/** A scrape as raw samples; the parser drops a labelled histogram's labels, so the process's are put back. */
async function samplesOf(url: string, own: Record<string, string>): Promise<Sample[]> {
  const s = await scrape(url);
  const out: Sample[] = [];
  for (const [name, f] of s.families) {
    for (const m of f.metrics) {
      if (m.buckets) for (const [le, n] of Object.entries(m.buckets)) out.push({ name: `${name}_bucket`, labels: { ...own, le }, value: Number(n) });
      else out.push({ name, labels: m.labels ?? {}, value: Number(m.value) });
    }
  }
  return out;
}

describe('Grafana dashboard over real scrapes', () => {
  it('sums a sharded run over its pods, and draws every panel', async () => {
    const prefix = uniquePrefix('gview');
    const env = { AWS_ENDPOINT_URL_SQS: endpoint() };
    const common = ['--queue-prefix', prefix, '--queues', '2', '--run-id', 'gview', '--metrics-port', '0', '--metrics-linger', '3', '--depth-interval', '1', '--quiet'];
    const urls = new Map<string, Record<string, string>>();
    const watch = (own: Record<string, string>) => ({
      env,
      onStderr: (chunk: string) => {
        const url = /Prometheus metrics at (http:\S+)/.exec(chunk)?.[1];
        if (url) urls.set(url, own);
      },
    });
    const history: Snapshot[] = [];
    let done = false;
    const poller = (async () => {
      while (!done) {
        const samples = (await Promise.all([...urls].map(([u, own]) => samplesOf(u, own).catch(() => [])))).flat();
        if (samples.length) history.push({ t: Date.now(), samples });
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const create = await runCli(['queues', 'create', '--queue-prefix', prefix, '--queues', '2'], { env });
    expect(create.code, create.stderr).toBe(0);
    const runs = await Promise.all([
      ...[0, 1].map((i) => runCli(['send', ...common, '--shards', '2', '--shard', String(i), '--total', '16000', '--rate', '3000'], watch({ shard: String(i), command: 'send' }))),
      runCli(['drain', ...common, '--wait-time', '1', '--expect', '16000', '--start-timeout', '30', '--idle-timeout', '10', '--concurrency', '4'], watch({ shard: '0', command: 'drain' })),
    ]);
    done = true;
    await poller;
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const [send0, send1, drain] = runs.map((r) => resultFrom(r.stdout));
    expect(urls.size).toBe(3);
    expect(history.length).toBeGreaterThan(8);

    const at = (t: number, expr: string) => evaluate(expr, history, t, RANGE_S);
    const end = history.at(-1)!.t;
    const stat = (title: string) => at(end, dashboard.panels.find((p: any) => p.title === title).targets[0].expr)[0]?.value;
    // What Grafana's stat panels show at the end is what the processes printed, summed.
    expect(stat('Sent')).toBe(send0.sent + send1.sent);
    expect(stat('Sent')).toBe(16000);
    expect(stat('Received')).toBe(drain.received);
    expect(stat('Failed')).toBe(0);
    expect(stat('Pods reporting')).toBe(3);

    // Time series over the run, one step a second.
    const steps: number[] = [];
    for (let t = history[0].t + RANGE_S * 1000; t <= end; t += 1000) steps.push(t);
    const charts: ChartSpec[] = [];
    for (const panel of dashboard.panels.filter((p: any) => p.type === 'timeseries')) {
      const series: ChartSpec['series'] = [];
      panel.targets.forEach((target: any) => {
        const byLegend = new Map<string, Array<number | null>>();
        steps.forEach((t, i) => {
          for (const s of at(t, target.expr)) {
            const legend = String(target.legendFormat).replace(/\{\{(\w+)\}\}/g, (_: string, l: string) => s.labels[l] ?? '');
            if (!byLegend.has(legend)) byLegend.set(legend, steps.map(() => null));
            byLegend.get(legend)![i] = Number.isFinite(s.value) ? s.value * (panel.fieldConfig.defaults.unit === 's' ? 1000 : panel.fieldConfig.defaults.unit === 'percentunit' ? 100 : 1) : null;
          }
        });
        for (const [label, values] of byLegend) series.push({ label, values, color: COLORS[series.length % COLORS.length] });
      });
      const unit = panel.fieldConfig.defaults.unit;
      charts.push({ id: `panel-${panel.id}`, title: panel.title, kind: 'time', yLabel: unit === 's' ? 'ms' : unit === 'percentunit' ? '% busy' : '', x: steps.map((t) => t / 1000), series, logY: unit === 's' });
    }
    const sentRate = charts.find((c) => c.title.startsWith('Messages per second'))!.series.find((s) => s.label === 'sent msg/s')!;
    const perShardMax = Math.max(
      ...steps.map((t) => Math.max(0, ...at(t, 'rate(sqs_blast_messages_sent_total[3s])').map((s) => s.value))),
    );
    // Summed over shards: above what any one shard sent.
    expect(Math.max(...sentRate.values.map((v) => v ?? 0))).toBeGreaterThan(perShardMax);
    const p99 = charts.find((c) => c.title.startsWith('Latency'))!.series.find((s) => s.label === 'send p99')!;
    expect(p99.values.some((v) => v !== null && v > 0 && v <= 60_000)).toBe(true);

    const cards = dashboard.panels
      .filter((p: any) => p.type === 'stat')
      .map((p: any) => `<div class="card"><div class="v">${Math.round(stat(p.title) ?? 0).toLocaleString('en-US')}</div><div class="k">${esc(p.title)}</div></div>`)
      .join('');
    const html = renderPage({
      title: `Grafana dashboard "${dashboard.title}": run gview (2 send shards + 1 drain)`,
      subtitle: `the dashboard's PromQL evaluated over ${history.length} real scrapes of 3 processes, rate window ${RANGE_S} s`,
      cards,
      charts,
      sections: '',
    });
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    const file = join(ROOT, 'test-output', 'grafana-view.html');
    writeFileSync(file, html);
    if (!hasChromium) return;
    await withPage(
      'file://' + file,
      async (tab, problems) => {
        await tab.waitForSelector('body[data-ready="true"]');
        const drawn = await inkedCharts(tab);
        expect(drawn).toHaveLength(charts.length);
        for (const c of drawn.filter((d) => d.id !== 'chart-panel-9')) expect(c.inked, c.id).toBeGreaterThan(300);
        expect(problems).toEqual([]);
      },
      'grafana-view.png',
    );
  });
});
