/**
 * Queue depth while the load runs, every --depth-interval seconds, into the main thread's
 * timeline (the HTML report's depth chart, and whether a drain's run has begun).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Timeline } from '../metrics/timeline.js';
import { queueDepth, type QueueDepth } from '../sqs/depth.js';

export class DepthSampler {
  /**
   * When the queues were first seen holding messages: the run has begun even if sibling drain
   * pods took every message before this one got any (see the monitor's idle rule).
   */
  busySince = 0;
  /** Each sample's depths by queue as well (/metrics shows them per queue). */
  onSample?: (depths: QueueDepth[]) => void;
  private sampling = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly admin: SQSClient,
    private readonly queueUrls: string[],
    private readonly timeline: Timeline,
  ) {}

  /** Sample every intervalMs (0: never); `now` also takes one sample right away. */
  start(intervalMs: number, now: boolean): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.sample(), intervalMs);
    if (now) void this.sample();
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  record(depths: QueueDepth[]): void {
    const sample = {
      t: Date.now(),
      visible: depths.reduce((n, d) => n + d.visible, 0),
      inFlight: depths.reduce((n, d) => n + d.inFlight, 0),
      delayed: depths.reduce((n, d) => n + d.delayed, 0),
    };
    this.onSample?.(depths);
    if (!this.busySince && sample.visible + sample.inFlight > 0) this.busySince = sample.t;
    this.timeline.sampleDepth(sample);
  }

  private async sample(): Promise<void> {
    if (this.sampling) return; // a slow GetQueueAttributes must not pile up
    this.sampling = true;
    try {
      this.record(await Promise.all(this.queueUrls.map((u) => queueDepth(this.admin, u))));
    } catch {
      // A missed sample is a gap in a chart, not a reason to disturb the run.
    } finally {
      this.sampling = false;
    }
  }
}
