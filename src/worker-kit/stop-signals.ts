/**
 * The run's stop level (set by the main thread in shared memory) as AbortSignals a worker's loops
 * can wait on: sleeps end and calls are cut without each loop polling the level itself.
 */
import { setMaxListeners } from 'node:events';
import { CONTROL, type LiveRow } from '../metrics/live.js';

export class StopSignals {
  private readonly haltController = new AbortController();
  private readonly abortController = new AbortController();
  private readonly pollCutController = new AbortController();
  private readonly watch: NodeJS.Timeout;
  /** Level 1, a graceful stop: pacing and backlog sleeps end; calls in flight go on. */
  readonly halt = this.haltController.signal;
  /** Level 2 (grace over, a second signal, a finished drain's waiting polls): calls in flight are cut. */
  readonly abort = this.abortController.signal;
  /**
   * Long polls: cut at level 2, and also when a finished drain no longer needs them. Deletes of
   * what was received stay on `abort`: cutting one would bring its messages back as duplicates.
   */
  readonly pollCut = this.pollCutController.signal;

  constructor(
    private readonly live: LiveRow,
    pollMs: number,
  ) {
    // Every lane and poller listens on these two signals.
    setMaxListeners(0, this.halt, this.abort, this.pollCut);
    this.watch = setInterval(() => {
      const level = live.stopLevel;
      if (level >= 1) this.haltController.abort();
      if (level >= 2) this.abortController.abort();
      if (level >= 2 || Atomics.load(live.control, CONTROL.cutPolls)) this.pollCutController.abort();
    }, pollMs);
  }

  /** 0 running, 1 stop starting new calls, 2 abandon calls in flight (read now, not at the last poll). */
  get level(): number {
    return this.live.stopLevel;
  }

  close(): void {
    clearInterval(this.watch);
  }
}
