/**
 * --group-pattern for FIFO runs: `uniform` (each lane sends its own groups in turn: the default)
 * or `hot:P`, where P percent of the batches go to one hot group (group 0), as when one customer
 * or tenant dominates. A FIFO group is sent in order with one call in flight, so batches of the
 * hot group take a lock, and claim their seqs only once they hold it: the group's seqs then leave
 * in order, and the drain's order check stays exact. The lock lives in one thread, so a hot
 * pattern runs the producer in one worker thread.
 */
import { UsageError } from '../errors.js';

export type GroupPattern = { kind: 'uniform' } | { kind: 'hot'; share: number };

export const HOT_GROUP = 0;

export function parseGroupPattern(raw: string): GroupPattern {
  if (raw === 'uniform') return { kind: 'uniform' };
  const m = /^hot:(\d+(?:\.\d+)?)%?$/.exec(raw);
  const percent = m ? Number(m[1]) : NaN;
  if (!(percent > 0 && percent < 100)) {
    throw new UsageError(`--group-pattern (env SQS_BLAST_GROUP_PATTERN) ${JSON.stringify(raw)} is not a pattern; use uniform, or hot:P with P the percent of batches for the hot group, 0 < P < 100 (e.g. hot:50)`);
  }
  return { kind: 'hot', share: percent / 100 };
}

/** One call at a time for the hot group, in the order the lanes asked. */
export class GroupLock {
  private tail: Promise<void> = Promise.resolve();

  async acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const before = this.tail;
    this.tail = before.then(() => held);
    await before;
    return release;
  }
}
