#!/usr/bin/env node
/**
 * bench/fidelity: how true are the reported latencies? A responder answers every SendMessageBatch
 * after exactly --delay ms (measured at the server); the CLI sends at each rate with a warm-up,
 * and the table compares what it reported with what was served. A bare socket client at the same
 * rate (bare-client.mjs) gives the machine's floor, so the CLI's own error reads apart from the
 * machine's.
 *
 *   npm run build && node bench/fidelity/run.mjs [rate ...]   (default 200 1000 3000; DELAY_MS=20, DURATION_S=10)
 */
import { judge, measure, measureFloor, STANDARD } from './fidelity.mjs';

const rates = process.argv.slice(2).map(Number);
const delayMs = Number(process.env.DELAY_MS ?? 20);
const durationS = Number(process.env.DURATION_S ?? 10);
const ms = (x) => x.toFixed(2);
const rows = [['msg/s', 'served p50/p99', 'bare client p50/p99', 'sqs-blast min', 'p50', 'p99', 'p99.9', 'max', 'calls', 'p50/p99 over served', 'over bare', 'standard']];
for (const rate of rates.length ? rates : [200, 1000, 3000]) {
  // The floor first, then the CLI: the same rate, back to back, under the same machine load.
  const floor = await measureFloor({ rate, delayMs, durationS });
  const m = await measure({ rate, delayMs, durationS });
  const l = m.result.latency;
  const broken = judge(m);
  rows.push([
    String(rate), `${ms(m.server.p50)}/${ms(m.server.p99)}`, `${ms(floor.p50)}/${ms(floor.p99)}`,
    l.min, l.p50, l.p99, l.p999, l.max, l.count,
    `+${ms(l.p50 - m.server.p50)}/+${ms(l.p99 - m.server.p99)}`, `${ms(l.p50 - floor.p50)}/${ms(l.p99 - floor.p99)}`,
    broken.length ? 'FAIL: ' + broken.join('; ') : 'holds',
  ].map(String));
}
const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(width[i])).join('  '));
console.log(`\nstandard: after warm-up no value below the least hold served, p50 within ${STANDARD.p50Ms} ms and p99 within ${STANDARD.p99Ms} ms of the served p50 and p99`);
console.log(`${delayMs} ms holds, 1 KB messages, 1 worker, ${durationS} s measured after a 2 s warm-up`);
