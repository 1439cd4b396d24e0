/**
 * While a load runs under the ledger, its object in S3 is overwritten every --checkpoint-interval
 * with the process's mergeable state so far (counts, histograms, integrity bitmaps, the seqs sent
 * and settled), marked `attempt.final: false`; the final result overwrites it at exit. A pod
 * killed without warning (a spot reclaim, the OOM killer) leaves its last checkpoint behind: what
 * it proves counts, and what it did after is named with its window, never guessed.
 */
import { BroadcastChannel } from 'node:worker_threads';
import type { Tally } from '../metrics/tally.js';
import type { Result } from '../result/document.js';
import type { ResultStore } from '../report/s3.js';
import { CHECKPOINT_CHANNEL, type CheckpointAnswer, type CheckpointAsk } from '../worker-kit/checkpoints.js';

/** How long the workers get to answer; a checkpoint short of a worker is not written (it would undercount). */
const ANSWER_MS = 3000;

export interface CheckpointerOptions {
  intervalMs: number;
  /** Worker rows that must answer (every send and drain thread of the process). */
  rows: number;
  store: ResultStore;
  /** The result so far from every worker's tally, by row. */
  build(tallies: Map<number, Tally>): Result;
}

export class Checkpointer {
  /** Checkpoints written. */
  written = 0;
  private readonly channel = new BroadcastChannel(CHECKPOINT_CHANNEL);
  private readonly timer: NodeJS.Timeout;
  private ask = 0;
  private pending: { ask: number; tallies: Map<number, Tally>; done: (ok: boolean) => void } | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  /** A checkpoint is being taken or uploaded. */
  private busy = false;

  constructor(private readonly o: CheckpointerOptions) {
    this.channel.onmessage = (event) => {
      const msg = (event as { data: unknown }).data as CheckpointAsk | CheckpointAnswer;
      const p = this.pending;
      if (msg?.type !== 'answer' || !p || msg.ask !== p.ask) return;
      p.tallies.set(msg.row, msg.tally);
      if (p.tallies.size >= this.o.rows) p.done(true);
    };
    this.channel.unref();
    this.timer = setInterval(() => {
      // One at a time, upload included: a slow S3 skips a beat rather than queueing uploads. Not
      // just the ask (`pending`): a tick during a slow PutObject started a second checkpoint, stop()
      // awaited only that one, and the first landed after the final result, turning it back into a
      // checkpoint (seen on a loaded 2-core machine: a Job Complete whose shard read as unfinished).
      if (this.busy) return;
      this.busy = true;
      this.running = this.checkpoint()
        .catch((e: unknown) => this.warn(e))
        .finally(() => (this.busy = false));
    }, o.intervalMs);
    this.timer.unref();
  }

  private warn(e: unknown): void {
    process.stderr.write(`sqs-blast: warning: checkpoint not stored (${(e as Error).message}); the next one tries again\n`);
  }

  private async checkpoint(): Promise<void> {
    const tallies = new Map<number, Tally>();
    const ask = ++this.ask;
    const complete = await new Promise<boolean>((resolve) => {
      const timeout = setTimeout(() => resolve(false), ANSWER_MS);
      this.pending = {
        ask,
        tallies,
        done: (ok) => {
          clearTimeout(timeout);
          resolve(ok);
        },
      };
      this.channel.postMessage({ type: 'ask', ask } satisfies CheckpointAsk);
    });
    this.pending = undefined;
    if (!complete || this.stopped) return;
    const result = this.o.build(tallies);
    result.attempt = { ...result.attempt!, final: false, checkpoints: this.written, at: Date.now() };
    await this.o.store.put(result, JSON.stringify(result));
    if (!this.stopped) this.written++;
  }

  /** No more checkpoints; resolves once one in flight has landed, so it cannot overwrite the final result. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.pending?.done(false);
    await this.running;
    this.channel.close();
  }
}
