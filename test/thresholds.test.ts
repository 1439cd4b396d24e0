import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { createHistogram, encode, recordMs } from '../src/metrics/histogram.js';
import { emptyResult, finalize } from '../src/result/document.js';
import { judgeResult, evaluate, formatActual, holds, metricTable, metricUnit, metricValue, parseThreshold, parseThresholds } from '../src/report/thresholds.js';
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
    expect(judgeResult(r, parseThresholds(['p99<50ms']))).toBe(99);
    expect(r.thresholds).toHaveLength(1);
    expect(judgeResult(result(), parseThresholds(['p99<1s']))).toBe(1); // thresholds pass, but a message failed
  });
});

describe('threshold units and values', () => {
  it.each([
    ['p99<1.5s', 1500],
    ['p99<250', 250],
    ['p99<250ms', 250],
    ['p99<500us', 0.5],
    ['p99<500µs', 0.5],
    ['error_rate<5%', 0.05],
    ['error_rate<0.02', 0.02],
    ['sent>=2k', 2000],
    ['throughput>=.5', 0.5],
    ['missing==0', 0],
  ])('%s reads as %d', (expr, value) => {
    expect(parseThreshold(expr).value).toBe(value);
  });

  it('keeps the expression as given, trimmed, and the metric in lower case', () => {
    expect(parseThreshold('  P99 <= 2s ')).toEqual({ expr: 'P99 <= 2s', metric: 'p99', op: '<=', value: 2000 });
  });

  it.each([
    ['error_rate<5ms', '--threshold "error_rate<5ms": a rate takes a fraction or a percentage, e.g. 0.1%'],
    ['throughput>5%', '--threshold "throughput>5%": throughput takes a plain number (or 10k)'],
    ['sent>5s', '--threshold "sent>5s": sent takes a plain number'],
    ['p99<5k', '--threshold "p99<5k": a latency takes ms, s or us'],
  ])('refuses %s with the unit it takes', (expr, message) => {
    expect(() => parseThreshold(expr)).toThrow(message);
  });

  it('names the metrics it knows when given one it does not', () => {
    expect(() => parseThreshold('bogus<1')).toThrow(/^--threshold "bogus<1": unknown metric "bogus"; use one of p99, receive\.p99, delete\.p99, e2e\.p99, throughput, send\.throughput, /);
    expect(() => parseThreshold('send.p98<1')).toThrow(/unknown metric "send.p98"/);
    expect(() => parseThreshold('queue.p99<1')).toThrow(/unknown metric "queue.p99"/);
  });

  it('takes nothing, one string, or a list', () => {
    expect(parseThresholds(undefined)).toEqual([]);
    expect(parseThresholds('p99<1s').map((t) => t.value)).toEqual([1000]);
    expect(parseThresholds(['p99<1s ; ', 'missing==0']).map((t) => t.metric)).toEqual(['p99', 'missing']);
  });

  it('knows the unit of each metric', () => {
    expect(metricUnit('p99')).toBe('ms');
    expect(metricUnit('send.p50')).toBe('ms');
    expect(metricUnit('e2e.max')).toBe('ms');
    expect(metricUnit('receive.min')).toBe('ms');
    expect(metricUnit('error_rate')).toBe('rate');
    expect(metricUnit('client_busy')).toBe('rate');
    expect(metricUnit('throughput')).toBe('msg/s');
    expect(metricUnit('missing')).toBe('count');
    expect(metricUnit('e2e.p98')).toBeUndefined();
    expect(metricUnit('nothing')).toBeUndefined();
  });

  it.each([
    [1, '<', 2, true], [2, '<', 2, false],
    [2, '<=', 2, true], [3, '<=', 2, false],
    [3, '>', 2, true], [2, '>', 2, false],
    [2, '>=', 2, true], [1, '>=', 2, false],
    [2, '==', 2, true], [1, '==', 2, false],
    [1, '!=', 2, true], [2, '!=', 2, false],
  ] as const)('%d %s %d is %s', (a, op, b, want) => {
    expect(holds(a, op, b)).toBe(want);
  });

  it('reads every scalar off the result, and each side’s latency', () => {
    const lat = (p50: number) => ({ count: 1, min: p50, mean: p50, p50, p90: p50, p95: p50, p99: p50 + 1, p999: p50, max: p50 + 2 });
    const r = finalize(emptyResult('run', 'r'));
    Object.assign(r, {
      attempted: 200, sent: 190, failed: 10, received: 180, missing: 3, duplicates: 4, dlqDepth: 5,
      errors: { ThrottlingException: 2, RequestThrottled: 1, InternalError: 4 },
      throughput: { send: 1000, receive: 900 },
      latency: lat(10), receiveLatency: lat(20), e2eLatency: lat(30),
      phases: { send: { startedAt: 0, endedAt: 1 } },
      timeline: { start: 0, series: { loopBusyMs: [300, 600], loopMs: [1000, 1000] } },
    });
    const values = Object.fromEntries(['throughput', 'send.throughput', 'receive.throughput', 'error_rate', 'sent', 'failed', 'received', 'missing', 'duplicates', 'errors', 'throttles', 'dlq', 'p50', 'send.max', 'receive.p99', 'e2e.p50'].map((m) => [m, metricValue(r, m)]));
    expect(values).toEqual({
      throughput: 1000, 'send.throughput': 1000, 'receive.throughput': 900, error_rate: 0.05, sent: 190, failed: 10, received: 180,
      missing: 3, duplicates: 4, errors: 7, throttles: 3, dlq: 5, p50: 10, 'send.max': 12, 'receive.p99': 21, 'e2e.p50': 30,
    });
    expect(metricValue(r, 'client_busy')).toBeCloseTo(0.45, 9);
    // A drain (no send phase): throughput is what it received.
    r.phases = { drain: { startedAt: 0, endedAt: 1 } };
    expect(metricValue(r, 'throughput')).toBe(900);
    // Nothing attempted: no error rate to divide by zero.
    r.attempted = 0;
    expect(metricValue(r, 'error_rate')).toBe(0);
    expect(metricValue(finalize(emptyResult('send', 'r')), 'client_busy')).toBeNull();
  });

  it('shows each actual value in its unit', () => {
    const o = (metric: string, actual: number | null, note?: string) => ({ expr: '', metric, op: '<' as const, value: 0, actual, ok: false, ...(note ? { note } : {}) });
    expect(formatActual(o('p99', 12.3456))).toBe('12.35 ms');
    expect(formatActual(o('error_rate', 0.0012345))).toBe('0.123%');
    expect(formatActual(o('throughput', 999.95))).toBe('1000.0 msg/s');
    expect(formatActual(o('missing', 3))).toBe('3');
    expect(formatActual(o('e2e.p99', null))).toBe('no data');
    expect(formatActual(o('missing', 0, 'not judged: send results lacking'))).toBe('0 (not judged: send results lacking)');
    expect(formatActual(o('missing', null, 'why'))).toBe('no data (why)');
  });

  it('fails missing==0 on a merge that lacks send results, whatever the count, and says why', () => {
    const r = finalize(emptyResult('report', 'r'));
    r.coverage = { complete: false, interrupted: [], warnings: [] } as unknown as NonNullable<typeof r.coverage>;
    const [o] = evaluate(r, parseThresholds('missing==0'));
    expect(o).toMatchObject({ ok: false, actual: 0, note: 'not judged: send results lacking' });
    r.coverage = { complete: true, interrupted: [], warnings: [] } as unknown as NonNullable<typeof r.coverage>;
    const [judged] = evaluate(r, parseThresholds('missing==0'));
    expect(judged.ok).toBe(true);
    expect(judged).not.toHaveProperty('note');
    // Other metrics are judged on a partial merge as on any result.
    r.coverage = { complete: false, interrupted: [], warnings: [] } as unknown as NonNullable<typeof r.coverage>;
    expect(evaluate(r, parseThresholds('duplicates==0'))[0].ok).toBe(true);
  });

  it('records no outcomes when there are no thresholds', () => {
    const r = finalize(emptyResult('send', 'r'));
    expect(judgeResult(r, [])).toBe(0);
    expect(r.thresholds).toBeUndefined();
    expect(r.exitCode).toBe(0);
  });
});
