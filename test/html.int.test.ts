/**
 * The HTML report, looked at as a person would: rendered by headless Chromium (Debian's package,
 * driven by playwright-core, no network), every chart must have drawn data, the console must stay
 * clean, and a screenshot is kept under test-output/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { endpoint, runCli, uniquePrefix } from './helpers.js';
import { ROOT } from './k8s.contract.js';

const CHROMIUM = '/usr/bin/chromium';
const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-html-'));

describe('HTML report', () => {
  it.skipIf(!existsSync(CHROMIUM))('report --html over pod results renders every chart with data in headless Chromium', async () => {
    const prefix = uniquePrefix('html');
    const env = { AWS_ENDPOINT_URL_SQS: endpoint(), SQS_BLAST_QUEUE_PREFIX: prefix, SQS_BLAST_QUEUES: '2', SQS_BLAST_RUN_ID: 'htmlrun' };
    const sends = await Promise.all(
      [0, 1].map((i) =>
        runCli(['send', '--create-queues', '--total', '6000', '--shards', '2', '--shard', String(i), '--rate', '2000', '--message-size', '2048', '--depth-interval', '0.5', '--out', join(tmp, `pod-send-${i}.json`), '--quiet'], { env }),
      ),
    );
    for (const s of sends) expect(s.code, s.stderr).toBe(0);
    const drain = await runCli(['drain', '--wait-time', '1', '--idle-timeout', '2', '--depth-interval', '0.5', '--out', join(tmp, 'pod-drain-0.json'), '--quiet'], { env });
    expect(drain.code, drain.stderr).toBe(0);

    const html = join(tmp, 'r.html');
    const files = ['pod-send-0.json', 'pod-send-1.json', 'pod-drain-0.json'].map((f) => join(tmp, f));
    const report = await runCli(['report', ...files, '--html', html, '--threshold', 'missing==0', '--threshold', 'p99<1ms']);
    expect(report.code).toBe(99);
    const page = readFileSync(html, 'utf8');
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=["']https?:/); // nothing fetched at view time

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, offline: true });
      const tab = await context.newPage();
      const problems: string[] = [];
      tab.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      tab.on('pageerror', (e) => problems.push(String(e)));
      await tab.goto('file://' + html);
      await tab.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      const charts = await tab.$$eval('.chart', (els) =>
        els.map((el) => {
          const canvas = el.querySelector('canvas') as HTMLCanvasElement | null;
          let inked = 0;
          if (canvas) {
            const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
          }
          return { id: el.id, points: Number((el as HTMLElement).dataset.points), inked };
        }),
      );
      expect(charts.map((c) => c.id).sort()).toEqual(['chart-client', 'chart-depth', 'chart-latency-time', 'chart-percentiles', 'chart-throughput']);
      for (const c of charts) {
        expect(c.points, c.id).toBeGreaterThan(0);
        expect(c.inked, c.id).toBeGreaterThan(500); // lines were drawn, not just an empty frame
      }
      expect(await tab.locator('tr.fail').count()).toBe(1); // p99<1ms failed, missing==0 passed
      expect(problems).toEqual([]);
      const out = join(ROOT, 'test-output');
      mkdirSync(out, { recursive: true });
      await tab.screenshot({ path: join(out, 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
