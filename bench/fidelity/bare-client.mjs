#!/usr/bin/env node
/**
 * The floor: the least latency any client process on this machine could report against the
 * responder. A bare socket client in its own process (as the CLI is) writes one prebuilt, unsigned
 * SendMessageBatch request at each open-model moment and times it to the reply's last byte, with
 * the same timer-then-spin wait the CLI uses. What it sees above the served hold is the machine's
 * (loopback, thread wake-ups, a busy core), not any tool's; sqs-blast's own error is what it
 * reports above this floor.
 *
 *   node bench/fidelity/bare-client.mjs ENDPOINT CALLS_PER_S WARMUP_S DURATION_S MESSAGE_BYTES
 *   → one JSON line: { count, min, p50, p99, p999, max } in ms, after the warm-up
 */
import { connect } from 'node:net';

const [endpoint, callsPerS, warmupS, durationS, messageBytes] = process.argv.slice(2);
const url = new URL(endpoint);
const rate = Number(callsPerS);
const body = JSON.stringify({
  QueueUrl: `${endpoint}/000000000000/fidelity`,
  Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: 'x'.repeat(Number(messageBytes)) })),
});
const request = Buffer.from(
  `POST / HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/x-amz-json-1.0\r\nx-amz-target: AmazonSQS.SendMessageBatch\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
);

/** One keep-alive connection carrying one call at a time; resolves each call at its reply's last byte. */
function connection() {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => resolve(lane));
    socket.setNoDelay(true);
    socket.on('error', reject);
    let got = Buffer.alloc(0);
    let done;
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(got.toString('latin1', 0, end))?.[1] ?? 0);
      if (got.length < end + 4 + length) return;
      got = got.subarray(end + 4 + length);
      done(performance.now());
    });
    const lane = {
      socket,
      call: () => new Promise((r) => { done = r; socket.write(request); }),
    };
  });
}

async function waitUntil(due) {
  for (let left = due - performance.now(); left > 0; left = due - performance.now()) {
    if (left > 2) await new Promise((r) => setTimeout(r, left - 1));
    else await new Promise((r) => setImmediate(r));
  }
}

const lanes = await Promise.all(Array.from({ length: 16 }, connection));
const free = [...lanes];
const waiting = [];
const take = () => (free.length ? Promise.resolve(free.pop()) : new Promise((r) => waiting.push(r)));
const give = (lane) => (waiting.length ? waiting.shift()(lane) : free.push(lane));

const start = performance.now() + 100;
const warmEnd = start + Number(warmupS) * 1000;
const end = warmEnd + Number(durationS) * 1000;
const latencies = [];
const calls = [];
for (let k = 0; ; k++) {
  const due = start + (k * 1000) / rate;
  if (due >= end) break;
  const lane = await take();
  await waitUntil(due);
  calls.push(
    lane.call().then((at) => {
      if (due >= warmEnd) latencies.push(at - due);
      give(lane);
    }),
  );
}
await Promise.all(calls);
for (const l of lanes) l.socket.destroy();
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)];
process.stdout.write(JSON.stringify({ count: latencies.length, min: latencies[0], p50: at(0.5), p99: at(0.99), p999: at(0.999), max: latencies.at(-1) }) + '\n');
