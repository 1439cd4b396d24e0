import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * CPUs this process may use: a container's CPU limit (cgroup v2 cpu.max, or v1's CFS quota)
 * when there is one, else the cores Node sees. A pod limited to 2 CPUs on a 64-core node must not
 * start 8 worker threads that the kernel then throttles.
 */
export function usableCpus(readFile: (path: string) => string = (f) => readFileSync(f, 'utf8'), cores = availableParallelism()): number {
  const read = (f: string) => {
    try {
      return readFile(f).trim();
    } catch {
      return undefined;
    }
  };
  let quota: number | undefined;
  let period: number | undefined;
  const v2 = read('/sys/fs/cgroup/cpu.max')?.split(/\s+/);
  if (v2 && v2[0] !== 'max') [quota, period] = [Number(v2[0]), Number(v2[1])];
  else if (!v2) [quota, period] = [Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')), Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'))];
  if (!quota || !period || quota <= 0 || period <= 0) return cores;
  return Math.max(1, Math.min(cores, Math.ceil(quota / period)));
}

export function defaultWorkers(): number {
  // Leave a core for the main thread (progress, merging) and, locally, the embedded server.
  return Math.max(1, Math.min(8, usableCpus() - 1));
}
