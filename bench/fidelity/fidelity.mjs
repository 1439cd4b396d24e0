/**
 * One fidelity measurement: the built CLI sends at an open-model rate to the fixed-latency
 * responder, and its reported latency is held against the hold the responder measured. Used by
 * bench/fidelity/run.mjs (the README table) and test/fidelity.int.test.ts (the standard).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startResponder } from './responder.mjs';

/** The build under test: this checkout's, or another's (CLI=/path/to/dist/src/cli.js) for an A/B. */
const CLI = process.env.CLI ?? fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-client.mjs', import.meta.url));

/** The standard (issue #16): after warm-up, nothing below the truth, p50 within 0.5 ms, p99 within 2 ms. */
export const STANDARD = { p50Ms: 0.5, p99Ms: 2 };

export async function measure({ rate, delayMs = 20, warmupS = 2, durationS = 5, workers = 1, concurrency = 64, messageSize = 1024 }) {
  const responder = await startResponder({ delayMs });
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [
      CLI, 'send', '--endpoint', responder.endpoint, '--queue-url', responder.queueUrl,
      '--rate', String(rate), '--warmup', String(warmupS), '--duration', String(durationS),
      '--workers', String(workers), '--concurrency', String(concurrency), '--message-size', String(messageSize),
      '--quiet', '--json', '--result-line=false',
    ], { maxBuffer: 64 << 20, env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' } });
    const result = JSON.parse(stdout);
    // The truth is what was served after the warm-up: the holds of the calls the histogram holds.
    const all = responder.held();
    const held = all.slice(all.length - (result.latency?.count ?? 0)).sort((a, b) => a - b);
    const at = (q) => held[Math.min(held.length - 1, Math.ceil(q * held.length) - 1)];
    return { rate, delayMs, result, server: { min: held[0], p50: at(0.5), p99: at(0.99), max: held[held.length - 1], count: held.length } };
  } finally {
    await responder.stop();
  }
}

/** The machine's floor at the same rate (bare-client.mjs): latency any client process would see. */
export async function measureFloor({ rate, delayMs = 20, warmupS = 2, durationS = 5, messageSize = 1024 }) {
  const responder = await startResponder({ delayMs });
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [BARE, responder.endpoint, String(rate / 10), String(warmupS), String(durationS), String(messageSize)]);
    return JSON.parse(stdout);
  } finally {
    await responder.stop();
  }
}

/**
 * What breaks the standard (empty: it holds). The truth is the hold the responder served, read at
 * the same percentile: a responder that was itself late (a timer, a busy core) moves the truth,
 * not the client's error. Nothing reported may be below the least hold served.
 */
export function judge({ result, server }) {
  const l = result.latency;
  const broken = [];
  if (!l || !l.count) return ['no latency reported'];
  if (l.min < server.min) broken.push(`min ${l.min} ms is below the least served ${server.min.toFixed(2)} ms`);
  if (Math.abs(l.p50 - server.p50) > STANDARD.p50Ms) broken.push(`p50 ${l.p50} ms is more than ${STANDARD.p50Ms} ms from the served ${server.p50.toFixed(2)} ms`);
  if (Math.abs(l.p99 - server.p99) > STANDARD.p99Ms) broken.push(`p99 ${l.p99} ms is more than ${STANDARD.p99Ms} ms from the served ${server.p99.toFixed(2)} ms`);
  return broken;
}
