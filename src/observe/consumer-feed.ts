/**
 * send --observe's figures for /metrics, handed from the watch (burst/observe-send.ts, which
 * samples the queues and their DLQs every second around the run) to the runner's observer. The
 * consumers' figures are known only after the settle that follows the send, later than the
 * runner's result: the observer keeps /metrics up until they are in, then lingers.
 */
import type { ObservedConsumers } from '../result/document.js';
import type { QueueDepth } from '../sqs/depth.js';

export class ConsumerFeed {
  /** The DLQs' depths as last sampled, by queue URL. */
  dlqs: QueueDepth[] = [];
  /** The consumers' figures once computed (absent while the run lasts, or when they could not be). */
  consumers?: ObservedConsumers;
  /** Set by the observer: the watched queues' per-queue depths feed sqs_blast_queue_messages. */
  onQueues?: (depths: QueueDepth[]) => void;
  /** Resolves once the consumers' figures are in, or known not to come. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor() {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  sample(queues: QueueDepth[], dlqs: QueueDepth[]): void {
    this.dlqs = dlqs;
    this.onQueues?.(queues);
  }

  finish(consumers: ObservedConsumers | null): void {
    if (consumers) this.consumers = consumers;
    this.resolveDone();
  }
}
