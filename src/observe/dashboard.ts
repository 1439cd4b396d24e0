/**
 * `--dashboard [PORT]`: the HTML report's page, live. While the run goes on, GET / is the page in
 * live mode (report/html.ts renderPage with `events`) and GET /events streams server-sent events:
 * one `update` a second with the charts of the run so far, then `final` once the result is in,
 * after which GET / is the run's own report.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cards, esc, renderHtml, renderPage, reportCharts } from '../report/html.js';
import type { Result, Threshold } from '../result/document.js';
import { judgeResult } from '../report/thresholds.js';
import type { LiveFeed } from './live-feed.js';
import { listen } from './prometheus.js';

export class Dashboard {
  private final?: Result;
  private readonly clients = new Set<ServerResponse>();
  private readonly server = createServer((req, res) => this.handle(req.url ?? '/', res));
  url = '';

  constructor(
    private readonly feed: LiveFeed,
    private readonly title: string,
    private readonly thresholds: Threshold[],
  ) {
    feed.onTick(() => {
      if (this.clients.size) this.broadcast('update', this.update());
    });
  }

  async start(port: number, host: string): Promise<void> {
    await listen(this.server, port, host);
    const a = this.server.address() as AddressInfo;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${a.port}/`;
  }

  /** The run is over: its report replaces the live page (rendered when asked, so the verdict set after this shows). */
  finish(result: Result): void {
    this.final = result;
    this.broadcast('final', '{}');
  }

  close(): Promise<void> {
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private update(): string {
    const r = this.feed.snapshot();
    const subtitle = `live · ${((Date.now() - r.startedAt) / 1000).toFixed(0)} s · updated every second · latencies are bucket bounds until the final report`;
    // "</" cannot end the event's data early, but keep it out as the page's inline data does.
    return JSON.stringify({ subtitle: esc(subtitle), cards: cards(r), charts: reportCharts(r) });
  }

  private handle(url: string, res: ServerResponse): void {
    const path = url.split('?')[0];
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      if (this.final) {
        res.end(`event: final\ndata: {}\n\n`);
        return;
      }
      this.clients.add(res);
      res.on('close', () => this.clients.delete(res));
      res.write(`event: update\ndata: ${this.update()}\n\n`);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (path !== '/') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('the dashboard is at /\n');
      return;
    }
    const html = this.final ? this.report(this.final) : this.livePage();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  }

  /** The run's report with its verdict (judged on a copy: the command judges the result itself when the run returns). */
  private report(result: Result): string {
    const judged = { ...result };
    judgeResult(judged, this.thresholds);
    return renderHtml(judged);
  }

  private livePage(): string {
    const r = this.feed.snapshot();
    return renderPage({
      title: this.title,
      subtitle: 'live · waiting for the first second',
      cards: cards(r),
      charts: reportCharts(r),
      sections: '<p class="muted">This page follows the run and turns into its report when the run ends.</p>',
      events: '/events',
    });
  }

  private broadcast(event: string, data: string): void {
    for (const c of this.clients) c.write(`event: ${event}\ndata: ${data}\n\n`);
    if (event === 'final') {
      for (const c of this.clients) c.end();
      this.clients.clear();
    }
  }
}
