import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { createHistogram, encode, recordMs } from '../src/metrics/histogram.js';
import { emptyResult, finalize } from '../src/report/result.js';
import { conclude, evaluate, metricTable, parseThreshold, parseThresholds } from '../src/report/thresholds.js';
import { runCli } from './helpers.js';

describe('threshold expressions', () => {
  it.each([
    ['p99<250ms', { metric: 'p99', op: '<', value: 250 }],
    ['e2e.p99 < 2s', { metric: 'e2e.p99', op: '<', value: 2000 }],
    ['receive.p50<=800us', { metric: 'receive.p50', op: '<=', value: 0.8 }],
    ['throughput>=10000', { metric: 'throughput', op: '>=', value: 10000 }],
    ['throughput>=10k', { metric: 'throughput', op: '>=', value: 10000 }],
    ['error_rate<0.1%', { metric: 'error_rate', op: '<', value: 0.001 }],
    ['missing==0', { metric: 'missing', op: '==', value: 0 }],
    ['duplicates<=10', { metric: 'duplicates', op: '<=', value: 10 }],
  ])('%s', (expr, want) => {
    expect(parseThreshold(expr)).toMatchObject(want);
  });

  it.each([
    ['p99<<1', /is not a threshold; expected METRIC OP VALUE/],
    ['latency<5', /unknown metric "latency"/],
    ['p99<5%', /a latency takes ms, s or us/],
    ['missing<1ms', /missing takes a plain number/],
    ['', /is not a threshold/],
  ])('rejects %j with one line', (expr, pattern) => {
    expect(() => parseThreshold(expr)).toThrow(UsageError);
    expect(() => parseThreshold(expr)).toThrow(pattern);
  });

  it('takes repeated flags and ;-separated lists (for one env variable)', () => {
    expect(parseThresholds(['p99<1s', 'missing==0;duplicates<5']).map((t) => t.metric)).toEqual(['p99', 'missing', 'duplicates']);
  });
});

describe('the documented metrics', () => {
  const names = metricTable().flatMap(([m]) => m.replace(' …', '').split(' '));

  it('are exactly the metrics a threshold accepts', () => {
    expect(names).toContain('client_busy');
    for (const m of names) expect(parseThreshold(`${m}<1`).metric).toBe(m);
  });

  it.each(['send', 'drain', 'run', 'report'])('are listed in `%s --help`', async (command) => {
    const help = await runCli([command, '--help']);
    expect(help.code).toBe(0);
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const [metrics, doc] of metricTable()) expect(help.stdout).toMatch(new RegExp(`\\n  ${esc(metrics)} +${esc(doc)}\\n`));
    expect(help.stdout).toContain('Threshold metrics (--threshold METRIC OP VALUE):');
  });
});

describe('threshold evaluation', () => {
  const result = () => {
    const r = emptyResult('send', 'r');
    const h = createHistogram();
    for (let i = 1; i <= 100; i++) recordMs(h, i);
    Object.assign(r, { attempted: 1000, sent: 999, failed: 1, histograms: { sendCall: encode(h) }, phases: { send: { startedAt: 0, endedAt: 1000 } } });
    return finalize(r);
  };

  it('passes and fails on the derived figures, and exits 99 on any failure', () => {
    const r = result();
    const out = evaluate(r, parseThresholds(['p99<100ms', 'p99<50ms', 'throughput>=999', 'error_rate<0.1%', 'error_rate<=0.1%', 'e2e.p99<1s']));
    expect(out.map((o) => o.ok)).toEqual([true, false, true, false, true, false]);
    expect(out[5].actual).toBeNull(); // no e2e data on a send run: cannot be shown met
    expect(conclude(r, parseThresholds(['p99<50ms']))).toBe(99);
    expect(r.thresholds).toHaveLength(1);
    expect(conclude(result(), parseThresholds(['p99<1s']))).toBe(1); // thresholds pass, but a message failed
  });
});
