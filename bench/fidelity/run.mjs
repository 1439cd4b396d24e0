#!/usr/bin/env node
/**
 * bench/fidelity: how true are the reported latencies? A responder answers every SendMessageBatch
 * after exactly --delay ms (measured at the server); the CLI sends at each rate with a warm-up,
 * and the table compares what it reported with that truth.
 *
 *   npm run build && node bench/fidelity/run.mjs [rate ...]   (default 1000 3000; DELAY_MS=20)
 */
import { judge, measure, STANDARD } from './fidelity.mjs';

const rates = process.argv.slice(2).map(Number);
const delayMs = Number(process.env.DELAY_MS ?? 20);
const rows = [['msg/s', 'true ms', 'server min/p50/max', 'min', 'p50', 'p99', 'p99.9', 'max', 'calls', 'standard']];
for (const rate of rates.length ? rates : [1000, 3000]) {
  const m = await measure({ rate, delayMs, durationS: Number(process.env.DURATION_S ?? 10) });
  const l = m.result.latency;
  const broken = judge(m);
  rows.push([String(rate), String(delayMs), `${m.server.min.toFixed(2)}/${m.server.p50.toFixed(2)}/${m.server.max.toFixed(2)}`, l.min, l.p50, l.p99, l.p999, l.max, l.count, broken.length ? 'FAIL: ' + broken.join('; ') : 'holds'].map(String));
}
const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(width[i])).join('  '));
console.log(`\nstandard: after warm-up no value below the true latency, p50 within ${STANDARD.p50Ms} ms and p99 within ${STANDARD.p99Ms} ms of it`);
