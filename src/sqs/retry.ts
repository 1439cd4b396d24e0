/** Backoff between attempts, and which batch entries a reply left out. */
import { isThrottle } from './error-codes.js';

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

/** Sleep that ends early (resolving, not rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A *Batch reply: the entries the server says it did, and those it says it did not. */
export interface BatchReply {
  Successful?: Array<{ Id: string }>;
  Failed?: Array<{ Id: string; Code: string; SenderFault?: boolean; Message?: string }>;
}

/**
 * Entry ids (our indexes) that a batch reply names in neither list. A well-formed reply names
 * every entry; one that does not must not make its entries vanish from the count, so the
 * callers retry them as `IncompleteReply`, the way a timed-out call is retried.
 */
export function unreportedIds(sent: number[], reply: BatchReply): number[] {
  const named = (reply.Successful?.length ?? 0) + (reply.Failed?.length ?? 0);
  if (named >= sent.length) return [];
  const seen = new Set<number>();
  for (const e of reply.Successful ?? []) seen.add(Number(e.Id));
  for (const e of reply.Failed ?? []) seen.add(Number(e.Id));
  return sent.filter((id) => !seen.has(id));
}
