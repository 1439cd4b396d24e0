/**
 * Sharding: which slice of a run this process owns. A run of `total` messages split over
 * `shards` processes gives every shard a contiguous count; remainders go to the first shards so
 * the slices add up exactly and every shard can compute every other shard's size.
 */
export function shardSize(total: number, shards: number, shard: number): number {
  const base = Math.floor(total / shards);
  return base + (shard < total % shards ? 1 : 0);
}

/** This shard's share of a process-wide rate (msg/s); the shares add up to the whole rate. */
export function shardRate(rate: number, shards: number): number {
  return rate / shards;
}

/** Index from the flag, else from Kubernetes Indexed Jobs, else 0. */
export function defaultShardIndex(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.JOB_COMPLETION_INDEX;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
