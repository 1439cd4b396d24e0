/** Look at a page as a person would: Debian's Chromium, headless and offline, via playwright-core. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ROOT } from './k8s.contract.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export interface DrawnChart {
  id: string;
  /** Data points the page handed the chart. */
  points: number;
  /** Pixels with ink on its canvas: lines were drawn, not just an empty frame. */
  inked: number;
}

export async function inkedCharts(tab: Page): Promise<DrawnChart[]> {
  return tab.$$eval('.chart', (els) =>
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
}

/**
 * Open a URL (file:// or loopback http://) and hand the page to `look`; console errors and page
 * errors are collected into `problems`. A screenshot lands in test-output/ when named.
 */
export async function withPage<T>(url: string, look: (tab: Page, problems: string[]) => Promise<T>, screenshot?: string, offline = true): Promise<T> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, offline });
    const tab = await context.newPage();
    const problems: string[] = [];
    tab.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    tab.on('pageerror', (e) => problems.push(String(e)));
    await tab.goto(url);
    const result = await look(tab, problems);
    if (screenshot) {
      const out = join(ROOT, 'test-output');
      mkdirSync(out, { recursive: true });
      await tab.screenshot({ path: join(out, screenshot), fullPage: true });
    }
    return result;
  } finally {
    await browser.close();
  }
}
