/**
 * Does the run's ledger hold every shard? For each kind and each shard 0..shards-1, the latest
 * attempt's object must be a final result (`attempt.final`): a checkpoint means the attempt is
 * still running, or was killed and its index may yet be retried. One rule, used by `k8s run` and
 * by `report --wait` alike, so both stop waiting at the same moment and name the same gaps.
 *
 * "Latest" is the same rule the merge applies (ledger/merge.ts): the attempt whose document was
 * written last (attempt.at, else its end).
 */
import type { Kind, Result } from '../result/document.js';
import { parseResults } from '../result/lines.js';
import { MERGEABLE_KEY } from '../config/s3-location.js';
import type { ResultStore } from '../report/s3.js';
import { sleep } from '../sqs/retry.js';

// Defined with the other flag defaults, which the command line reads without loading this module.
export { WAIT_DEFAULTS } from '../config/defaults.js';

export interface Expected {
  kinds: Kind[];
  shards: number;
}

export interface LedgerState {
  /** What was waited for: given, or read from the objects (report --wait). Undefined: nothing there yet. */
  expected?: Expected;
  /** Shards whose latest attempt is not final (or that have no object at all), e.g. "send 1". */
  lacking: string[];
  complete: boolean;
  /** Summed over every attempt object, checkpoints included: a progress figure, not a verdict. */
  sent: number;
  received: number;
  /** Attempt objects read. */
  objects: number;
}

const latestAt = (r: Result) => r.attempt?.at ?? r.endedAt;

/**
 * The state of the ledger from the run's result objects. Without `expected` the kinds are those
 * present and the shard count is any object's `shards` (every attempt of a run says it).
 * `jobUids`: only attempts of these applies (k8s run knows the uids of the Jobs it applied).
 */
export function ledgerState(results: Result[], expected?: Expected, jobUids: string[] = []): LedgerState {
  const keep = new Set(jobUids);
  const parts = keep.size ? results.filter((r) => !r.attempt?.controllerUid || keep.has(r.attempt.controllerUid)) : results;
  const want = expected ?? presentKinds(parts);
  const latest = new Map<string, Result>();
  for (const r of parts) {
    const key = `${r.kind} ${r.shard}`;
    const have = latest.get(key);
    if (!have || latestAt(r) > latestAt(have)) latest.set(key, r);
  }
  const lacking: string[] = [];
  for (const kind of want?.kinds ?? []) {
    for (let shard = 0; shard < want!.shards; shard++) {
      const r = latest.get(`${kind} ${shard}`);
      // A result without an attempt record (not written under the ledger) is final by nature.
      if (!r || r.attempt?.final === false) lacking.push(`${kind} ${shard}`);
    }
  }
  return {
    expected: want,
    lacking,
    complete: want !== undefined && lacking.length === 0,
    sent: parts.reduce((n, r) => n + r.sent, 0),
    received: parts.reduce((n, r) => n + r.received, 0),
    objects: parts.length,
  };
}

/**
 * What a run's objects say it has: the kinds present, and the shard count every attempt records.
 * Sends that ran in a Kubernetes Job (a controller uid) belong to a rendered run, which always has
 * a drain Job too: its pods write nothing before their first checkpoint, and a short send may be
 * done by then, so their drains are waited for even before they show.
 */
function presentKinds(parts: Result[]): Expected | undefined {
  if (!parts.length) return undefined;
  const kinds = new Set(parts.map((r) => r.kind));
  if (parts.some((r) => r.kind === 'send' && r.attempt?.controllerUid)) kinds.add('drain');
  return { kinds: [...kinds].sort(), shards: Math.max(...parts.map((r) => r.shards)) };
}

/** "send 1, drain 0 and drain 1" → "send shard 1, drain shards 0, 1", for one line. */
export function lackingText(lacking: string[]): string {
  const byKind = new Map<string, string[]>();
  for (const l of lacking) {
    const [kind, shard] = l.split(' ');
    byKind.set(kind, [...(byKind.get(kind) ?? []), shard]);
  }
  return [...byKind].map(([kind, shards]) => `${kind} shard${shards.length > 1 ? 's' : ''} ${shards.join(', ')}`).join('; ');
}

/**
 * Reads a run's attempt objects again and again (every poll), fetching only those whose
 * LastModified changed since the last read: a checkpoint overwrites its object in place.
 */
export class LedgerReader {
  private readonly cache = new Map<string, { modified: number; results: Result[] }>();

  constructor(
    private readonly store: ResultStore,
    private readonly runId: string,
    /** Named in the one-line message when S3 refuses the listing (--results, report). */
    private readonly flag: string,
  ) {}

  async read(): Promise<Result[]> {
    const objects = (await this.store.listOrExplain(`${this.runId}/`, this.flag)).filter((o) => MERGEABLE_KEY.test(o.key));
    const out: Result[] = [];
    for (const o of objects) {
      let hit = this.cache.get(o.key);
      if (!hit || hit.modified !== o.modified) {
        // An object caught mid-overwrite or cut reads as no result: the next poll reads it again.
        hit = { modified: o.modified, results: parseResults(await this.store.get(o.key), o.key).filter((r) => r.runId === this.runId) };
        // S3's LastModified has a one-second grain: an object rewritten within the same second
        // looks unchanged, so a checkpoint (which will be overwritten) is never trusted from cache.
        if (hit.results.every((r) => r.attempt?.final !== false)) this.cache.set(o.key, hit);
        else this.cache.delete(o.key);
      }
      out.push(...hit.results);
    }
    return out;
  }
}

export interface WaitOptions {
  /** The ledger as it is now. */
  poll: () => Promise<LedgerState>;
  intervalMs: number;
  timeoutMs: number;
  /** Called after every poll (progress); may end the wait early with a reason (e.g. the Jobs finished). */
  onPoll?: (state: LedgerState) => Promise<string | undefined> | string | undefined;
  /** Ends the wait at once (Ctrl-C). */
  signal?: AbortSignal;
}

export interface WaitOutcome {
  state: LedgerState;
  /** complete: every shard final; timeout; stopped: the signal; or the reason onPoll gave. */
  reason: string;
}

/** Poll until the ledger holds every shard, onPoll says stop, the signal fires, or the time is up. */
export async function waitForLedger(o: WaitOptions): Promise<WaitOutcome> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const state = await o.poll();
    const early = await o.onPoll?.(state);
    if (state.complete) return { state, reason: 'complete' };
    if (early) return { state, reason: early };
    if (o.signal?.aborted) return { state, reason: 'stopped' };
    const left = deadline - Date.now();
    if (left <= 0) return { state, reason: 'timeout' };
    await sleep(Math.min(o.intervalMs, left), o.signal);
  }
}

/** One progress line of the ledger: what is final, what is still running, sent and received so far. */
export function ledgerProgress(s: LedgerState): string {
  if (!s.expected) return 'no result object yet';
  const all = s.expected.kinds.length * s.expected.shards;
  const n = (v: number) => v.toLocaleString('en-US');
  return `${all - s.lacking.length}/${all} shards final, sent ${n(s.sent)}, received ${n(s.received)} (checkpoints included)`;
}
