/**
 * The ledger's small objects beside the results: one marker per send shard whose attempt ran to
 * its end, `<runId>/shards-done/send-<shard>-<controller>-<pod>`, and one per send attempt that
 * started, `<runId>/sends-started/…`. Drains list the first to know the run is done without
 * reading every send result (a LIST per poll, not a GET per shard). They do not end in .json,
 * so `report` never reads them as results (config/s3-location.ts MERGEABLE_KEY).
 */
import type { ResultStore } from '../report/s3.js';
import type { AttemptIdentity } from '../config/attempt.js';

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'x';

export const doneFolder = (runId: string) => `${runId}/shards-done/`;
/** Every send attempt's marker, written before its first message (ledger/queue-owner.ts). */
export const startedFolder = (runId: string) => `${runId}/sends-started/`;

export function startedKey(runId: string, shard: number, attempt: { pod: string; controllerUid?: string }): string {
  return `${startedFolder(runId)}send-${shard}-${slug(attempt.controllerUid ?? 'local')}-${slug(attempt.pod)}`;
}

export function doneKey(runId: string, shard: number, attempt: { pod: string; controllerUid?: string }): string {
  return `${doneFolder(runId)}send-${shard}-${slug(attempt.controllerUid ?? 'local')}-${slug(attempt.pod)}`;
}

/** The send shards that have a done marker among these keys (relative to the location's prefix). */
export function doneShards(runId: string, keys: string[]): Set<number> {
  const shards = new Set<number>();
  const folder = doneFolder(runId);
  for (const k of keys) {
    const m = k.startsWith(folder) ? /^send-(\d+)-/.exec(k.slice(folder.length)) : null;
    if (m) shards.add(Number(m[1]));
  }
  return shards;
}

export async function markShardDone(store: ResultStore, runId: string, shard: number, attempt: AttemptIdentity): Promise<void> {
  await store.putText(doneKey(runId, shard, attempt), JSON.stringify({ runId, shard, ...attempt, at: Date.now() }));
}
