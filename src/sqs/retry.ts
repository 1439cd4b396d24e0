/** Waiting between attempts: full-jitter backoff, and a sleep a stop can end. */
import { isThrottle } from './error-codes.js';

// The sleep lives with the schedule's waits (load/), below sqs/; retrying callers take it from here too.
export { sleep } from '../load/sleep.js';

/**
 * "Full jitter" exponential backoff (the AWS architecture blog's recommendation): a random wait
 * up to a cap that doubles per attempt, so retrying clients spread out instead of in waves.
 * Throttles start from a longer base: the server asked us to slow down.
 */
export function backoffMs(attempt: number, code: string, random: () => number = Math.random): number {
  const base = isThrottle(code) ? 200 : 50;
  const cap = Math.min(10_000, base * 2 ** attempt);
  return Math.max(1, Math.round(cap * random()));
}
