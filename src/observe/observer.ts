/**
 * The runner's one hook for watching a run: starts /metrics (--metrics-port) and the dashboard
 * (--dashboard) on the live view, hands them each depth sample, and once the result is in shows
 * its exact figures, keeping both up for --metrics-linger so the last scrape sees the end.
 */
import type { Server } from 'node:http';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import type { LiveView, SharedState } from '../metrics/live.js';
import type { Timeline } from '../metrics/timeline.js';
import type { Kind, Result } from '../result/document.js';
import type { QueueDepth } from '../sqs/depth.js';
import type { ConsumerFeed } from './consumer-feed.js';
import type { Dashboard } from './dashboard.js';
import type { LiveFeed } from './live-feed.js';
import { targetNow } from '../load/target.js';
import { LiveSource } from './live-source.js';

export class Observer {
  private metrics?: Server;
  private dashboard?: Dashboard;
  private feed?: LiveFeed;

  private constructor(
    private readonly source: LiveSource,
    private readonly lingerMs: number,
  ) {}

  /** Nothing is started unless --metrics-port or --dashboard asks for it. */
  static async start(config: Config, live: LiveView, state: SharedState, main: Timeline, startMs: number, consumers?: ConsumerFeed): Promise<Observer> {
    const o = config.observe;
    const labels = { run_id: config.runId, shard: String(config.shard), command: config.command };
    const source = new LiveSource(labels, live, state, targetNow(config.send?.schedule, state));
    if (consumers) {
      source.consumers = consumers;
      consumers.onQueues = (d) => (source.depths = d);
    }
    const observer = new Observer(source, o.lingerMs);
    try {
      // prom-client and the page are loaded only when asked for: ~70-100 ms of every run's start-up.
      if (o.metricsPort !== undefined) {
        const { buildRegistry, serveMetrics } = await import('./prometheus.js');
        const { server, url } = await serveMetrics(buildRegistry(source), o.metricsPort, o.host).catch(inUse('--metrics-port', o.metricsPort, o.host));
        observer.metrics = server;
        process.stderr.write(`sqs-blast: Prometheus metrics at ${url}\n`);
      }
      if (o.dashboardPort !== undefined) {
        const [{ LiveFeed }, { Dashboard }] = await Promise.all([import('./live-feed.js'), import('./dashboard.js')]);
        observer.feed = new LiveFeed(source, config.command as Kind, startMs, main);
        observer.dashboard = new Dashboard(observer.feed, `sqs-blast ${config.command} ${config.runId} (live)`, config.thresholds);
        await observer.dashboard.start(o.dashboardPort, o.host).catch(inUse('--dashboard', o.dashboardPort, o.host));
        process.stderr.write(`sqs-blast: live dashboard at ${observer.dashboard.url}\n`);
      }
    } catch (e) {
      await observer.close();
      throw e;
    }
    return observer;
  }

  depths(d: QueueDepth[]): void {
    this.source.depths = d;
  }

  /** The result is in: show it, and close after the linger (the process stays up that long). */
  finish(result: Result): void {
    this.source.result = result;
    this.source.depths = result.queues.length ? result.queues : this.source.depths;
    this.feed?.stop();
    this.dashboard?.finish(result);
    if (!this.metrics && !this.dashboard) return;
    // A stopped run (SIGTERM in a pod, Ctrl-C) must end within its grace period: no linger.
    const lingerMs = result.interrupted ? 0 : this.lingerMs;
    const linger = () => {
      if (lingerMs > 0) process.stderr.write(`sqs-blast: metrics and dashboard stay up ${lingerMs / 1000} s (--metrics-linger)\n`);
      setTimeout(() => void this.close(), lingerMs);
    };
    // send --observe: the consumers' figures come after the settle (up to --settle-timeout, 120 s
    // by default, beyond the 15 s linger); the linger counts from them.
    const later = result.interrupted ? undefined : this.source.consumers?.done;
    if (later) void later.then(linger);
    else linger();
  }

  async close(): Promise<void> {
    this.feed?.stop();
    const metrics = this.metrics;
    this.metrics = undefined;
    if (metrics) {
      metrics.closeAllConnections();
      await new Promise<void>((resolve) => metrics.close(() => resolve()));
    }
    await this.dashboard?.close();
    this.dashboard = undefined;
  }
}

/** A port that cannot be listened on is the user's to change: one line, exit 2. */
function inUse(flag: string, port: number, host: string): (e: NodeJS.ErrnoException) => never {
  return (e) => {
    throw new UsageError(`${flag} ${port}: cannot listen on ${host}:${port} (${e.code ?? e.message}); pick a free port, or 0 for any`);
  };
}
