/**
 * A send that is one more attempt of its shard (a retried Job index, a pod evicted or killed)
 * continues after what the earlier attempts of the same apply settled, so a shard's messages are
 * sent once however often its index runs. An attempt that was killed may have sent messages after
 * its last checkpoint: from its first unsettled seq on, a copy seen twice is `resent`.
 */
import type { IntegrityJson } from '../metrics/integrity.js';
import { decodeBits, firstAbsent, orBits } from '../metrics/seq-bits.js';
import type { Result } from '../result/document.js';
import { parseResults } from '../result/lines.js';
import type { ResultStore } from '../report/s3.js';
import type { AttemptIdentity } from '../config/attempt.js';

export interface Resume {
  /** The first seq this attempt sends. */
  firstSeq: number;
  /** Set when an earlier attempt left no final result: its copies from here on count as resent. */
  resentFrom?: number;
  /** Earlier attempts of the shard in this apply. */
  earlier: number;
  /** One line for stderr, or undefined when this is the shard's first attempt. */
  note?: string;
}

/** Earlier attempts of (runId, send, shard) in the same apply (controller uid), from their ledger objects. */
export async function earlierAttempts(store: ResultStore, runId: string, shard: number, me: AttemptIdentity): Promise<Result[]> {
  const objects = await store.list(`${runId}/send-`);
  const mine = objects.filter((o) => new RegExp(`^${runId}/send-0*${shard}-of-\\d+-.+\\.json$`).test(o.key));
  const results: Result[] = [];
  for (const o of mine) {
    for (const r of parseResults(await store.get(o.key), o.key)) {
      if (r.kind !== 'send' || r.shard !== shard || r.runId !== runId) continue;
      // Another apply of the same run id is another run: report refuses to merge the two.
      if (me.controllerUid !== undefined && r.attempt?.controllerUid !== me.controllerUid) continue;
      results.push(r);
    }
  }
  return results;
}

/** Where this attempt starts, from the earlier ones: the lowest seq none of them settled. */
export function resumeAfter(earlier: Result[], shard: number): Resume {
  if (!earlier.length) return { firstSeq: 0, earlier: 0 };
  let settled: Uint8Array = new Uint8Array(0);
  for (const r of earlier) {
    for (const e of r.integrity as IntegrityJson[]) if (e.shard === shard && e.settled !== undefined) settled = orBits(settled, decodeBits(e.settled));
  }
  const firstSeq = firstAbsent(settled);
  const killed = earlier.filter((r) => r.attempt && !r.attempt.final);
  const resume: Resume = { firstSeq, earlier: earlier.length };
  const who = earlier.map((r) => `${r.attempt?.pod ?? 'unknown pod'}${r.attempt && !r.attempt.final ? ` (no final result; last checkpoint ${new Date(r.attempt.at).toISOString()})` : ''}`);
  if (killed.length) resume.resentFrom = firstSeq;
  resume.note =
    `send shard ${shard}: ${earlier.length} earlier attempt${earlier.length > 1 ? 's' : ''} (${who.join(', ')}) settled seqs below ${firstSeq}: resuming there` +
    (killed.length ? '; copies a killed attempt sent after its last checkpoint and this one sends again are counted as resent' : '');
  return resume;
}
