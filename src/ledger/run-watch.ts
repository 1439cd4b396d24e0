/**
 * When a drain under the ledger is done: every send shard has run to its end (a done marker in
 * the ledger) and the queues read empty — visible, in flight and delayed — for --idle-timeout.
 * Not on silence: a send pod that starts late (Pending on a new node, an image pull, a retried
 * index) would otherwise send into queues nobody reads. The wait is bounded: when no send attempt
 * wrote to the ledger and no message arrived for --start-timeout, the drain stops and says why.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ResultStore } from '../report/s3.js';
import { messagesIn, queueDepth } from '../sqs/depth.js';
import { doneShards } from './markers.js';

export interface RunWatchOptions {
  store: ResultStore;
  runId: string;
  shards: number;
  admin: SQSClient;
  queueUrls: string[];
  idleMs: number;
  silenceMs: number;
  /** Epoch ms of the last message this process received (0: none yet). */
  lastMessageAt: () => number;
  /** End the drain (the monitor's level-1 stop). */
  stop: () => void;
}

export class RunWatch {
  /** While true the drain's own idle rules wait: the run is not done. */
  holding = true;
  /** Why the wait ended early, for the summary. */
  note: string | undefined;
  doneShards = 0;
  private emptySince: number | undefined;
  private readonly startedAt = Date.now();
  private readonly timer: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly o: RunWatchOptions) {
    const every = Math.max(500, Math.min(5000, o.idleMs / 2));
    this.timer = setInterval(() => void this.poll(), every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.busy || !this.holding) return;
    this.busy = true;
    try {
      const now = Date.now();
      const objects = await this.o.store.list(`${this.o.runId}/`);
      const done = doneShards(
        this.o.runId,
        objects.map((o) => o.key),
      );
      this.doneShards = done.size;
      if (done.size >= this.o.shards) {
        const depths = await Promise.all(this.o.queueUrls.map((u) => queueDepth(this.o.admin, u)));
        const left = depths.reduce((n, d) => n + messagesIn(d), 0);
        if (left > 0) this.emptySince = undefined;
        else if (now - (this.emptySince ??= now) >= this.o.idleMs) this.finish();
        return;
      }
      const sendWrote = Math.max(0, ...objects.filter((o) => o.key.startsWith(`${this.o.runId}/send-`)).map((o) => o.modified));
      const activity = Math.max(this.startedAt, sendWrote, this.o.lastMessageAt());
      if (now - activity >= this.o.silenceMs) {
        this.note = `${this.o.shards - done.size} of ${this.o.shards} send shards never finished, and for ${Math.round((now - activity) / 1000)} s no send attempt wrote to the ledger and no message arrived (--start-timeout)`;
        this.finish();
      }
    } catch (e) {
      // The next poll tries again; S3 or SQS hiccups must not end a drain early.
      process.stderr.write(`sqs-blast: warning: reading the run's ledger failed (${(e as Error).message}); trying again\n`);
    } finally {
      this.busy = false;
    }
  }

  private finish(): void {
    this.holding = false;
    this.stop();
    this.o.stop();
  }
}
