/**
 * The HTML report, looked at as a person would: rendered by headless Chromium (Debian's package,
 * driven by playwright-core, no network), every chart must have drawn data, the console must stay
 * clean, and a screenshot is kept under test-output/.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpoint, runCli, uniquePrefix } from './helpers.js';
import { hasChromium, inkedCharts, withPage } from './browser.js';
const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-html-'));

describe('HTML report', () => {
  it.skipIf(!hasChromium)('report --html over pod results renders every chart with data in headless Chromium', async () => {
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

    await withPage(
      'file://' + html,
      async (tab, problems) => {
        await tab.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
        const charts = await inkedCharts(tab);
        expect(charts.map((c) => c.id).sort()).toEqual(['chart-client', 'chart-depth', 'chart-latency-time', 'chart-percentiles', 'chart-throughput']);
        for (const c of charts) {
          expect(c.points, c.id).toBeGreaterThan(0);
          expect(c.inked, c.id).toBeGreaterThan(500); // lines were drawn, not just an empty frame
        }
        expect(await tab.locator('tr.fail').count()).toBe(1); // p99<1ms failed, missing==0 passed
        expect(problems).toEqual([]);
      },
      'report.png',
    );
  });
});
