/**
 * --process-time: how long a consumer works on each message before deleting it. A fixed time
 * (`50ms`, `1.5s`), exponential with a mean (`exp:20ms`) or uniform over a range
 * (`uniform:5ms-80ms`). The worker waits on a timer, so its other pollers keep going meanwhile.
 */
import { UsageError } from '../errors.js';

export type ProcessTimeSpec =
  | { kind: 'fixed'; ms: number }
  | { kind: 'exp'; meanMs: number }
  | { kind: 'uniform'; lowMs: number; highMs: number };

/** Long enough for any visibility timeout SQS allows (12 h). */
const MAX_MS = 43_200_000;

/** `50ms`, `2s`, `50` (ms) → ms; undefined if it is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

export function parseProcessTime(raw: unknown, flag = '--process-time (env SQS_BLAST_PROCESS_TIME)'): ProcessTimeSpec {
  const text = String(raw).trim();
  const bad = (why: string) => new UsageError(`${flag} ${JSON.stringify(text)} ${why}; give a time per message: 50ms, exp:20ms (exponential, that mean) or uniform:5ms-80ms`);
  const duration = (part: string): number => {
    const ms = parseDurationMs(part);
    if (ms === undefined) throw bad(`has ${JSON.stringify(part)}, which is not a duration (ms or s)`);
    if (ms > MAX_MS) throw bad(`is over 12 hours`);
    return ms;
  };
  const colon = text.indexOf(':');
  if (colon < 0) return { kind: 'fixed', ms: duration(text) };
  const kind = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (kind === 'exp') {
    const meanMs = duration(rest);
    if (meanMs <= 0) throw bad('has a mean of 0');
    return { kind: 'exp', meanMs };
  }
  if (kind === 'uniform') {
    const dash = rest.indexOf('-');
    if (dash <= 0) throw bad('needs a range LOW-HIGH');
    const lowMs = duration(rest.slice(0, dash));
    const highMs = duration(rest.slice(dash + 1));
    if (lowMs > highMs) throw bad('is a range whose low end is above its high end');
    return { kind: 'uniform', lowMs, highMs };
  }
  throw bad(`names an unknown distribution ${JSON.stringify(kind)} (known: exp, uniform)`);
}

/** One message's processing time in ms. */
export function drawProcessTime(spec: ProcessTimeSpec, random: () => number = Math.random): number {
  switch (spec.kind) {
    case 'fixed':
      return spec.ms;
    case 'exp':
      return Math.min(MAX_MS, -spec.meanMs * Math.log(1 - random()));
    case 'uniform':
      return spec.lowMs + random() * (spec.highMs - spec.lowMs);
  }
}
