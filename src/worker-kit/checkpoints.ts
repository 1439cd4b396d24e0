/**
 * Checkpoints of a running load: the main thread asks every worker for its Tally so far, and
 * writes their sum to the run's ledger (ledger/checkpoint.ts). The ask and the answers travel on
 * one BroadcastChannel of the process, so a worker needs no port handed in with its task, and a
 * worker that is busy answers on its next turn of the event loop.
 */
import { BroadcastChannel } from 'node:worker_threads';
import type { Tally } from '../metrics/tally.js';

export const CHECKPOINT_CHANNEL = 'sqs-blast/checkpoint';

export interface CheckpointAsk {
  type: 'ask';
  ask: number;
}

export interface CheckpointAnswer<T extends Tally = Tally> {
  type: 'answer';
  ask: number;
  row: number;
  tally: T;
}

/** In a worker: answer every ask with `snapshot()` until closed (at the end of the task). */
export function answerCheckpoints(row: number, snapshot: () => Tally): { close(): void } {
  const channel = new BroadcastChannel(CHECKPOINT_CHANNEL);
  channel.onmessage = (event) => {
    const msg = (event as { data: unknown }).data as CheckpointAsk | CheckpointAnswer;
    if (msg?.type !== 'ask') return;
    const answer: CheckpointAnswer = { type: 'answer', ask: msg.ask, row, tally: snapshot() };
    channel.postMessage(answer);
  };
  // The channel must not keep a finished worker's loop alive.
  channel.unref();
  return { close: () => channel.close() };
}
