/**
 * run --downstream: is the user's service still working on the run's messages? Read from the
 * depth samples of the queues it reads. While they hold messages and their count still moves
 * (the service takes them, or the senders add), the drain's idle rule waits: a message not yet
 * out of the service is not lost. A count that has not moved for --idle-timeout is a service
 * that stopped taking messages, and the run ends; what it left there is said, not called
 * missing (Result.downstream.inputLeft).
 */
import { messagesIn, type QueueDepth } from '../sqs/depth.js';

export class ServiceWatch {
  private held = 0;
  private movedAt = 0;

  constructor(
    private readonly inputUrls: ReadonlySet<string>,
    private readonly idleMs: number,
  ) {}

  /** One depth sample of every sampled queue; only the service's input queues count. */
  sample(depths: QueueDepth[], at = Date.now()): void {
    const held = depths.filter((d) => this.inputUrls.has(d.url)).reduce((n, d) => n + messagesIn(d), 0);
    if (held !== this.held) this.movedAt = at;
    this.held = held;
  }

  /** True while the input queues hold messages and their count moved within the idle timeout. */
  busy(now = Date.now()): boolean {
    return this.held > 0 && now - this.movedAt < this.idleMs;
  }
}
