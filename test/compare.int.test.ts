/**
 * `compare` on real runs: a run against itself passes every relative bound; the same load made
 * slower by a proxy that adds latency to every SendMessageBatch fails a relative p50 bound (99).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changePct, parseCompareThreshold } from '../src/report/compare.js';
import { FaultProxy } from './fault-proxy.js';
import { endpoint, runCli, uniquePrefix } from './helpers.js';
import { hasChromium, inkedCharts, withPage } from './browser.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-compare-'));
const proxies: FaultProxy[] = [];
afterAll(async () => {
  for (const p of proxies) await p.kill().catch(() => undefined);
});

async function send(target: string, out: string): Promise<void> {
  const r = await runCli(['send', '--endpoint', target, '--queue-prefix', uniquePrefix('cmp'), '--create-queues', '--total', '3000', '--message-size', '1024', '--concurrency', '8', '--out', out, '--quiet']);
  expect(r.code, r.stderr).toBe(0);
}

describe('compare', () => {
  it('passes a run against itself and fails a run made slower on a relative p50 bound (exit 99)', async () => {
    const base = join(tmp, 'base.json');
    await send(endpoint(), base);
    const proxy = new FaultProxy(endpoint(), 7);
    proxy.rules = [{ fault: 'latency', p: 1, ms: 40, action: 'SendMessageBatch' }];
    await proxy.start();
    proxies.push(proxy);
    const slow = join(tmp, 'slow.json');
    await send(proxy.endpoint, slow);

    const same = await runCli(['compare', base, base, '--threshold', 'p50<=+0%', '--threshold', 'throughput>=-0%', '--threshold', 'missing==0']);
    expect(same.code, same.stderr + same.stdout).toBe(0);
    expect(same.stdout).toMatch(/send batch ms p50\s+[\d.,]+\s+[\d.,]+\s+\+0\.0%\s+≈/);
    expect(same.stdout).toContain('PASS  exit 0: 3 thresholds met');

    const worse = await runCli(['compare', base, slow, '--threshold', 'p50<+10%', '--json']);
    expect(worse.code, worse.stderr).toBe(99);
    const c = JSON.parse(worse.stdout);
    const p50 = c.figures.find((f: { metric: string }) => f.metric === 'p50');
    // Every batch waited 40 ms at the proxy: no batch of NEW can have taken less.
    expect(p50.next).toBeGreaterThanOrEqual(40);
    expect(p50.changePct).toBeGreaterThan(10);
    expect(p50.verdict).toBe('worse');
    expect(c.thresholds).toEqual([{ expr: 'p50<+10%', actual: p50.changePct, ok: false, relative: true }]);
    expect(worse.stderr).toMatch(/p50<\+10%\s+\+[\d.]+%\s+FAILED/);
    const tput = c.figures.find((f: { metric: string }) => f.metric === 'send.throughput');
    expect(tput.verdict).toBe('worse');

    if (!hasChromium) return;
    const html = join(tmp, 'compare.html');
    expect((await runCli(['compare', base, slow, '--html', html])).code).toBe(0);
    await withPage(
      'file://' + html,
      async (tab, problems) => {
        await tab.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
        const charts = await inkedCharts(tab);
        expect(charts.map((x) => x.id).sort()).toEqual(['chart-percentiles', 'chart-throughput']);
        for (const x of charts) expect(x.inked, x.id).toBeGreaterThan(500);
        // Both runs on the percentile chart: base and new of the send batch latency.
        expect(await tab.locator('#chart-percentiles .u-legend').textContent()).toMatch(/send batch \(base\).*send batch \(new\)/s);
        expect(await tab.locator('tr.worse').count()).toBeGreaterThan(0);
        expect(problems).toEqual([]);
      },
      'compare.png',
    );
  });

  it('takes absolute bounds on NEW, refuses bad ones with exit 2, and merges a side given as pod logs', async () => {
    const a = join(tmp, 'a.json');
    await send(endpoint(), a);
    const abs = await runCli(['compare', a, a, '--threshold', 'p99<1ms']);
    expect(abs.code).toBe(99);
    const bad = await runCli(['compare', a, a, '--threshold', 'p99<+ten%']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^sqs-blast: --threshold "p99<\+ten%" is not a threshold/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const missing = await runCli(['compare', a, join(tmp, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json');

    // Two "pods" as log lines in one file: the side is their merge.
    const log = join(tmp, 'pods.log');
    const pods = await Promise.all(
      [0, 1].map((i) =>
        runCli(['send', '--endpoint', endpoint(), '--queue-prefix', uniquePrefix('cmp-pod'), '--create-queues', '--total', '1000', '--message-size', '1024', '--shards', '2', '--shard', String(i), '--run-id', 'cmppods', '--result-line', '--quiet']),
      ),
    );
    writeFileSync(log, pods.map((p) => p.stdout).join('\n'));
    const merged = await runCli(['compare', a, log, '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stderr).toMatch(/new\s+report run cmppods \(2 results\)/);
  });
});

describe('compare thresholds', () => {
  it('reads a signed percentage as a change against base and anything else as an absolute bound', () => {
    expect(parseCompareThreshold('p99<+10%')).toEqual({ relative: { expr: 'p99<+10%', metric: 'p99', op: '<', pct: 10 } });
    expect(parseCompareThreshold('throughput > -5%')).toEqual({ relative: { expr: 'throughput > -5%', metric: 'throughput', op: '>', pct: -5 } });
    expect(parseCompareThreshold('error_rate<0.1%')).toMatchObject({ absolute: { metric: 'error_rate', value: 0.001 } });
    expect(() => parseCompareThreshold('latency<+5%')).toThrow(/unknown metric "latency"/);
  });

  it('computes changes against a zero or missing base without dividing by zero', () => {
    expect(changePct(100, 110)).toBeCloseTo(10);
    expect(changePct(0, 0)).toBe(0);
    expect(changePct(0, 3)).toBe(Infinity);
    expect(changePct(null, 3)).toBeNull();
  });
});
