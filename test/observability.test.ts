/**
 * k8s/observability: the PodMonitor finds the load pods' metrics port, and the Grafana dashboard
 * asks only for series the exporter serves, summed over shards. The manifests are rendered by
 * kubectl kustomize; the PodMonitor is checked against prometheus-operator's schema; the served
 * metric names come from a real exporter, read with a real Prometheus text parser.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { describe, expect, it } from 'vitest';
import { envArgs } from '../src/config/flags.js';
import { resolveConfig } from '../src/config.js';
import { resolveRunSpec } from '../src/k8s/options.js';
import { runManifests } from '../src/k8s/manifests.js';
import { createSharedState, LiveView } from '../src/metrics/live.js';
import { BucketWriter } from '../src/metrics/latency-buckets.js';
import { LiveSource } from '../src/observe/live-source.js';
import { buildRegistry, serveMetrics } from '../src/observe/prometheus.js';
import { find, render, ROOT, type Doc } from './k8s.contract.js';
import { podContainers } from './k8s.sim.js';
import { scrape } from './scrape.js';

const dashboard = JSON.parse(readFileSync(join(ROOT, 'k8s/observability/grafana-dashboard.json'), 'utf8'));
const exprs = (): string[] => dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr as string));

/** The metric families a real exporter serves (one latency recorded, so histograms have series). */
async function servedFamilies(): Promise<Set<string>> {
  const state = createSharedState(1);
  new BucketWriter(state.latency, 0, 'sendCall').record(12);
  const source = new LiveSource({ run_id: 'r', shard: '0', command: 'run' }, new LiveView(state), state, () => 100);
  source.depths = [{ url: 'http://x/000000000000/q-1', visible: 1, inFlight: 0, delayed: 0 }];
  const { server, url } = await serveMetrics(buildRegistry(source), 0, '127.0.0.1');
  try {
    return new Set((await scrape(url)).families.keys());
  } finally {
    server.close();
  }
}

describe('observability: PodMonitor', () => {
  const docs = render('observability');
  const monitor = find(docs, 'PodMonitor', 'sqs-blast');

  it('is a valid prometheus-operator PodMonitor', () => {
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(() => new PodMonitor(monitor as any).validate()).not.toThrow();
    expect(() => new PodMonitor({ ...monitor, spec: { ...monitor.spec, podMetricsEndpoints: [{ port: 9464 }] } } as any).validate()).toThrow();
  });

  it('selects the load pods of k8s/base and scrapes their metrics port, which the CLI listens on', () => {
    const base = render('base');
    for (const role of ['send', 'drain']) {
      const job = find(base, 'Job', new RegExp(`-${role}$`));
      const podLabels = job.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) expect(podLabels[k], k).toBe(v);
      expect(monitor.spec.namespaceSelector.matchNames).toContain(job.metadata.namespace);
      const main = podContainers(job, base, 0).find((c) => !c.init)!;
      const port = job.spec.template.spec.containers[0].ports.find((p: any) => p.name === monitor.spec.podMetricsEndpoints[0].port);
      expect(port, role).toBeDefined();
      const config = resolveConfig(role as 'send', envArgs(role as 'send', {}, main.env), main.env);
      expect(config.observe).toMatchObject({ metricsPort: port.containerPort, host: '0.0.0.0' });
      // Lingering longer than four 15 s scrape intervals: the last scrape sees the pod's end.
      expect(config.observe.lingerMs).toBeGreaterThan(4 * 15_000);
    }
  });

  it('ships the dashboard as a ConfigMap the Grafana sidecar picks up', () => {
    const cm = find(docs, 'ConfigMap', 'sqs-blast-grafana-dashboard');
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    expect(JSON.parse(cm.data['grafana-dashboard.json'])).toEqual(dashboard);
  });
});

describe('observability: generated manifests', () => {
  const main = (docs: Doc[], role: string) => podContainers(find(docs, 'Job', new RegExp(`-${role}$`)), docs, 0).find((c) => !c.init)!;
  const objects = (flags: Record<string, unknown>) => JSON.parse(JSON.stringify(runManifests(resolveRunSpec(flags)).map((m) => m.object))) as Doc[];

  it('--metrics-port exposes the port on every load pod, and the pods serve it', () => {
    const docs = objects({ runId: 'obs1', metricsPort: 9100 });
    for (const role of ['send', 'drain']) {
      const job = find(docs, 'Job', new RegExp(`-${role}$`));
      expect(job.spec.template.spec.containers[0].ports).toEqual([{ name: 'metrics', containerPort: 9100, protocol: 'TCP' }]);
      const c = main(docs, role);
      expect(resolveConfig(role as 'send', envArgs(role as 'send', {}, c.env), c.env).observe).toMatchObject({ metricsPort: 9100, host: '0.0.0.0' });
    }
  });

  it('without it, pods serve no metrics', () => {
    const docs = objects({ runId: 'obs2' });
    expect(find(docs, 'Job', /-send$/).spec.template.spec.containers[0].ports).toBeUndefined();
    expect(main(docs, 'send').env.SQS_BLAST_METRICS_PORT).toBeUndefined();
  });
});

describe('observability: Grafana dashboard', () => {
  it('has what Grafana needs to import it', () => {
    expect(dashboard).toMatchObject({ uid: 'sqs-blast', title: expect.any(String), schemaVersion: expect.any(Number) });
    const vars = dashboard.templating.list.map((v: any) => v.name);
    expect(vars).toEqual(expect.arrayContaining(['datasource', 'run_id']));
    const ids = dashboard.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p, p.title).toMatchObject({ type: expect.stringMatching(/^(timeseries|stat)$/), title: expect.any(String), gridPos: { w: expect.any(Number), h: expect.any(Number) } });
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) expect(t.expr, p.title).toContain('run_id=~"$run_id"');
    }
  });

  it('shows the report\'s views, summed over shards', () => {
    const titles = dashboard.panels.map((p: any) => p.title).join(' | ');
    for (const view of [/Messages per second/, /Latency quantiles/, /Errors/, /Queue depth/, /busy/]) expect(titles).toMatch(view);
    for (const e of exprs()) expect(e, e).toMatch(/^(sum|avg|max|count|histogram_quantile)\b/);
    // A finished pod's series ends: totals take each pod's highest count over the range.
    for (const p of dashboard.panels.filter((x: any) => x.type === 'stat')) expect(p.targets[0].expr, p.title).toMatch(/max_over_time\(.*\[\$__range\]\)/);
    const quantiles = exprs().filter((e) => e.startsWith('histogram_quantile'));
    expect(quantiles.length).toBeGreaterThanOrEqual(3);
    for (const q of quantiles) expect(q).toMatch(/sum by \(le\) \(rate\(sqs_blast_\w+_bucket\{/);
  });

  it('asks only for series the exporter serves', async () => {
    const served = await servedFamilies();
    const asked = new Set(exprs().flatMap((e) => e.match(/sqs_blast_\w+/g) ?? []).map((m) => m.replace(/_bucket$/, '')));
    expect(asked.size).toBeGreaterThanOrEqual(10);
    for (const m of asked) expect(served.has(m), m).toBe(true);
  });
});
