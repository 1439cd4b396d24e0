/**
 * One *Batch call (SendMessageBatch, DeleteMessageBatch) carried to its end: every entry either
 * succeeds or is handed back as failed, never dropped. Entries a reply reports Failed with a
 * retryable code, and entries it names in neither list (IncompleteReply), are sent again alone;
 * a call that failed as a whole is sent again in full; both after a full-jitter backoff, up to
 * --max-retries. Every error event is metered where it happens.
 */
import { asSqsError } from '../errors.js';
import { isRetryable, OWN_CODES } from '../sqs/error-codes.js';
import { backoffMs, sleep } from '../sqs/retry.js';
import type { CallOptions, HotWire, Prepared } from '../sqs/wire.js';
import { monoNow } from '../load/clock.js';
import { now } from '../metrics/timeline.js';
import type { CountRecorder, Meter } from './meter.js';
import type { StopSignals } from './stop-signals.js';

/** A *Batch reply: the entries the server says it did, and those it says it did not. */
export interface BatchReply {
  Successful?: Array<{ Id: string }>;
  Failed?: Array<{ Id: string; Code: string; SenderFault?: boolean; Message?: string }>;
}

/**
 * What one kind of batch brings to the call. Entries are named by their index in the caller's
 * batch; the object is the caller's per-lane state, set before each call, so a call allocates no
 * closure.
 */
export interface BatchEntries<R extends BatchReply> {
  readonly action: 'SendMessageBatch' | 'DeleteMessageBatch';
  /** The request for these entries, written into a buffer that is free again (the last reply is in). */
  request(pending: number[]): Buffer;
  /** A reply arrived: count what it says succeeded (`pending`: the entries the call carried). */
  succeeded(reply: R, pending: number[], at: number): void;
  /** These entries (indexes into the caller's batch) end without success, `code` the last error's. */
  failed(entries: readonly number[], code: string, at: number): void;
}

/** A reply with no Failed list: iterated without allocating an empty one per call. */
const NONE_FAILED: NonNullable<BatchReply['Failed']> = [];

/** The first n entry indexes, shared: a pending list is read, never changed in place. */
const FIRST = Array.from({ length: 11 }, (_, n) => Array.from({ length: n }, (_, i) => i));

export function allEntries(n: number): number[] {
  return FIRST[n] ?? Array.from({ length: n }, (_, i) => i);
}

/**
 * Entry ids (our indexes) that a batch reply names in neither list. A well-formed reply names
 * every entry; one that does not must not make its entries vanish from the count, so they are
 * retried as `IncompleteReply`, the way a timed-out call is retried.
 */
export function unreportedIds(sent: number[], reply: BatchReply): number[] {
  const named = (reply.Successful?.length ?? 0) + (reply.Failed?.length ?? 0);
  if (named >= sent.length) return [];
  const seen = new Set<number>();
  for (const e of reply.Successful ?? []) seen.add(Number(e.Id));
  for (const e of reply.Failed ?? []) seen.add(Number(e.Id));
  return sent.filter((id) => !seen.has(id));
}

export class BatchCaller {
  private readonly options: CallOptions<never>;
  private readonly retries: CountRecorder;

  constructor(
    private readonly wire: HotWire,
    private readonly meter: Meter,
    private readonly stop: StopSignals,
    private readonly maxRetries: number,
  ) {
    this.options = { signal: stop.abort };
    this.retries = meter.counter('retries');
  }

  /**
   * The first attempt's request, built and signed ahead of its moment (see SqsWire.prepare).
   * Undefined on a wire that does nothing ahead (the SDK's): the request is then built once, at the call.
   */
  prepare<R extends BatchReply>(batch: BatchEntries<R>, entries: number[]): Prepared | undefined {
    return this.wire.preparesAhead ? this.wire.prepare(batch.action, batch.request(entries)) : undefined;
  }

  /**
   * Carries the entries to their end (the first attempt from `prepared` when given) and resolves
   * with the monotonic moment the last reply or error came in: a caller timing the call stops
   * there, before this side's bookkeeping of the reply.
   */
  async call<R extends BatchReply>(batch: BatchEntries<R>, entries: number[], prepared?: Prepared): Promise<number> {
    let pending = entries;
    let ended = 0;
    // The code the entries still pending were last refused with: it sets the backoff, and is
    // what they count as failed under if they run out of attempts.
    let code = '';
    for (let attempt = 0; ; attempt++) {
      try {
        const options = this.options as CallOptions<R>;
        const reply = await (attempt === 0 && prepared ? this.wire.send<R>(prepared, options) : this.wire.call<R>(batch.action, batch.request(pending), options));
        ended = monoNow();
        const at = now();
        batch.succeeded(reply, pending, at);
        const again: number[] = [];
        for (const f of reply.Failed ?? NONE_FAILED) {
          this.meter.error(f.Code, at);
          if (!f.SenderFault && isRetryable(f.Code)) {
            again.push(Number(f.Id));
            code = f.Code;
          } else batch.failed([Number(f.Id)], f.Code, at);
        }
        for (const id of unreportedIds(pending, reply)) {
          this.meter.error(OWN_CODES.incompleteReply, at);
          again.push(id);
          code = OWN_CODES.incompleteReply;
        }
        pending = again;
      } catch (e) {
        ended = monoNow();
        const err = asSqsError(e);
        const at = now();
        this.meter.error(err.code, at);
        if (!err.retryable || this.stop.level >= 2) {
          batch.failed(pending, err.code, at);
          return ended;
        }
        code = err.code;
      }
      if (pending.length === 0) return ended;
      if (attempt >= this.maxRetries) {
        batch.failed(pending, code, now());
        return ended;
      }
      this.retries.add(1, now());
      await sleep(backoffMs(attempt, code), this.stop.abort);
      if (this.stop.abort.aborted) {
        batch.failed(pending, OWN_CODES.aborted, now());
        return ended;
      }
    }
  }
}
