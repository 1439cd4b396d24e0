/**
 * --dashboard in headless Chromium during a real run against the local server: the page draws
 * the report's charts while the run goes on, redraws them every second, and turns into the run's
 * report when it ends.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './k8s.contract.js';
import { hasChromium, inkedCharts, withPage } from './browser.js';
import { endpoint, resultFrom, runCli, uniquePrefix } from './helpers.js';

describe('live dashboard', () => {
  it.skipIf(!hasChromium)('draws the charts while the run goes on and again after it ends', async () => {
    const prefix = uniquePrefix('dash');
    let url: string | undefined;
    let announced: () => void;
    const ready = new Promise<void>((r) => (announced = r));
    const running = runCli(
      ['run', '--create-queues', '--queue-prefix', prefix, '--queues', '2', '--total', '24000', '--rate', '1000', '--dashboard', '--metrics-linger', '10', '--depth-interval', '0.5', '--quiet'],
      {
        env: { AWS_ENDPOINT_URL_SQS: endpoint() },
        onStderr: (chunk) => {
          url ??= /live dashboard at (http:\S+)/.exec(chunk)?.[1];
          if (url) announced();
        },
      },
    );
    await ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    await withPage(
      url!,
      async (tab, problems) => {
        // Live: the charts are drawn from the run so far, and redrawn as seconds pass.
        await tab.waitForFunction(() => Number(document.body.dataset.updates) >= 3, undefined, { timeout: 30_000 });
        expect(await tab.title()).toMatch(/\(live\)/);
        const live = await inkedCharts(tab);
        const ids = live.map((c) => c.id);
        expect(ids).toEqual(expect.arrayContaining(['chart-throughput', 'chart-latency-time', 'chart-percentiles', 'chart-client']));
        for (const c of live.filter((c) => c.id !== 'chart-errors')) {
          expect(c.points, c.id).toBeGreaterThan(0);
          expect(c.inked, c.id).toBeGreaterThan(300);
        }
        const sentLive = Number((await tab.locator('.card .v').first().innerText()).replace(/,/g, ''));
        expect(sentLive).toBeGreaterThan(0);
        expect(sentLive).toBeLessThan(24000);
        mkdirSync(join(ROOT, 'test-output'), { recursive: true });
        await tab.screenshot({ path: join(ROOT, 'test-output', 'dashboard-live.png'), fullPage: true });

        // The end: the page reloads into the run's report.
        await tab.waitForFunction(() => !document.title.includes('(live)') && document.body.dataset.ready === 'true', undefined, { timeout: 90_000 });
        const final = await inkedCharts(tab);
        expect(final.map((c) => c.id)).toEqual(expect.arrayContaining(['chart-throughput', 'chart-depth', 'chart-latency-time', 'chart-percentiles']));
        for (const c of final) expect(c.inked, c.id).toBeGreaterThan(300);
        expect(await tab.locator('.verdict').innerText()).toBe('PASS');
        expect(problems).toEqual([]);
      },
      'dashboard-final.png',
      false,
    );
    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    expect(resultFrom(run.stdout).sent).toBe(24000);
  });
});
