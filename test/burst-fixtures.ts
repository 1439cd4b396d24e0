/** Burst steps' results built from recorded facts, for the search's and the sharded report's unit tests. */
import { createHistogram, encode, recordMs } from '../src/metrics/histogram.js';
import { emptyResult, finalize, type Result } from '../src/result/document.js';

export const STEP_MS = 2000;

/**
 * One step's result: `rate` msg/s delivered over the 2 s window starting `at`, every call taking
 * `ms`, `throttles` error events, the worker loop `busy` and the host's CPUs `host` busy.
 */
export function stepResult(rate: number, { ms = 10, throttles = 0, busy = 0.2, host = 0.3, at = 0, runId = 'r' } = {}): Result {
  const r = emptyResult('send', runId);
  r.sent = r.attempted = Math.round((rate * STEP_MS) / 1000);
  r.cost.sendCalls = Math.ceil(r.sent / 10);
  if (throttles) r.errors = { ThrottlingException: throttles };
  const h = createHistogram();
  for (let i = 0; i < r.cost.sendCalls; i++) recordMs(h, ms);
  r.histograms.sendCall = encode(h);
  r.phases.send = { startedAt: at, endedAt: at + STEP_MS };
  r.timeline = {
    start: at,
    series: { loopBusyMs: [busy * 1000, busy * 1000], loopMs: [1000, 1000], hostCpuBusyMs: [host * 2000, host * 2000], hostCpuMs: [2000, 2000] },
  };
  return finalize(r);
}
