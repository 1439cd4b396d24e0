/**
 * burst --consumer external: the user's consumers are the system under test. Each step is a paced
 * send into the queues they read; sqs-blast consumes nothing. Around each step the queues' depth
 * (visible, in flight, delayed; one GetQueueAttributes per queue) and their DLQs' are sampled every
 * second into the step's timeline, where burst/backlog.ts judges it; after the step the consumers
 * are given up to --settle-timeout to drain its backlog before the next one.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../config.js';
import { flagOf, positiveArg, stringArg, type RawArgs } from '../config/args.js';
import { validateQueueUrl } from '../config/queue-url.js';
import { UsageError } from '../errors.js';
import { now, type DepthSample } from '../metrics/timeline.js';
import type { Result } from '../result/document.js';
import { setUp } from '../run/setup.js';
import { messagesIn, queueDepth, type QueueDepth } from '../sqs/depth.js';
import { redriveTargets, setupError } from '../sqs/queues.js';
import { BURST_DEFAULTS } from '../config/defaults.js';

/** One sample a second: the "every second", and one GetQueueAttributes per queue each time. */
export const SAMPLE_MS = 1000;

export interface ExternalOptions {
  external: boolean;
  /** The most ms to wait after a step for the consumers to drain its backlog. */
  settleMs?: number;
}

/**
 * --consumer and what it allows: `drainOnly` are burst --drain's consumer flags (camelCase); with
 * external consumers sqs-blast runs none, so only --dlq-url (which DLQ to watch) applies.
 */
export function resolveExternal(args: RawArgs, drain: boolean, drainOnly: string[]): ExternalOptions {
  const consumer = stringArg(args, 'consumer');
  if (consumer !== undefined && consumer !== 'external') {
    throw new UsageError(`--consumer (env SQS_BLAST_CONSUMER) must be external (got ${JSON.stringify(consumer)}): your own consumers read the queues; for sqs-blast's consumers use --drain`);
  }
  const external = consumer === 'external';
  if (!external) {
    if (args.settleTimeout !== undefined) throw new UsageError('--settle-timeout waits for your consumers between the steps of burst --consumer external: add --consumer external, or drop --settle-timeout');
    return { external };
  }
  if (drain) throw new UsageError('--consumer external and --drain both name the consumers: --drain runs sqs-blast’s own, --consumer external judges yours; choose one');
  if (args.local) throw new UsageError('--local starts a server only this process can reach, where your consumers are not: give --endpoint or --queue-url of the queues they read');
  const stray = drainOnly.find((key) => key !== 'dlqUrl' && args[key] !== undefined);
  if (stray) throw new UsageError(`${flagOf(stray)} shapes sqs-blast’s own consumers; with --consumer external yours read the queues: drop ${flagOf(stray)}`);
  const settle = positiveArg(args, 'settleTimeout', 'give the seconds your consumers may take to drain a step’s backlog, e.g. --settle-timeout 120') ?? BURST_DEFAULTS.settleTimeout;
  return { external, settleMs: settle * 1000 };
}

export interface WatchHooks {
  log: (line: string) => void;
  /** Each sample's depths by queue and by DLQ as well (send --observe shows them on /metrics). */
  onSample?: (queues: QueueDepth[], dlqs: QueueDepth[]) => void;
}

/** The queues and DLQs burst samples, and the samples of the step under way. */
export class BacklogWatch {
  private samples: DepthSample[] = [];
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;

  private constructor(
    private readonly admin: SQSClient,
    readonly queueUrls: string[],
    readonly dlqUrls: string[],
    private readonly hooks: WatchHooks,
  ) {}

  /**
   * The queues as the steps will resolve them (created now if --create-queues), and their DLQs:
   * --dlq-url, else every queue's RedrivePolicy target. No DLQ: the DLQ rule judges nothing.
   */
  static async open(probe: Config, args: RawArgs, hooks: WatchHooks): Promise<BacklogWatch> {
    const setup = await setUp(probe, () => {});
    const flag = stringArg(args, 'dlqUrl');
    let dlqUrls: string[];
    try {
      dlqUrls = flag ? [validateQueueUrl(flag)] : await redriveTargets(setup.admin, setup.queueUrls);
    } catch (e) {
      setup.admin.destroy();
      throw e instanceof UsageError ? e : setupError(e, setup.endpoint, 'reading the queues’ redrive policies');
    }
    const q = setup.queueUrls.length;
    hooks.log(
      `burst: watching the depth of ${q} queue${q === 1 ? '' : 's'} every ${SAMPLE_MS / 1000} s for your consumers; ` +
        (dlqUrls.length ? `DLQ ${dlqUrls.join(', ')}` : 'no DLQ (no RedrivePolicy, no --dlq-url): failed messages cannot be seen'),
    );
    return new BacklogWatch(setup.admin, setup.queueUrls, dlqUrls, hooks);
  }

  /**
   * Runs one step with the depth sampled around it: one sample before it sends, one a second
   * while it runs and while the consumers drain its backlog (until it is back to where it began,
   * or `settleUntil`, epoch ms), one at the end. The samples go into the step's timeline.
   */
  async around(run: () => Promise<Result>, settleUntil: () => number): Promise<Result> {
    this.samples = [];
    await this.sample();
    const baseline = this.samples.length ? messagesIn(this.samples[0]) : 0;
    this.timer = setInterval(() => void this.sample(), SAMPLE_MS);
    let result: Result;
    try {
      result = await run();
      if (!result.interrupted) await this.settle(baseline, settleUntil());
    } finally {
      clearInterval(this.timer);
      await this.sampling;
    }
    await this.sample();
    const depth = this.samples;
    this.samples = [];
    result.timeline ??= { start: Math.floor(result.startedAt / 1000) * 1000, series: {} };
    result.timeline.depth = [...(result.timeline.depth ?? []), ...depth].sort((a, b) => a.t - b.t);
    return result;
  }

  close(): void {
    this.admin.destroy();
  }

  /** Waits (the interval sampling on) until the backlog is down to `baseline` or the deadline passes. */
  private async settle(baseline: number, until: number): Promise<void> {
    const began = Date.now();
    const left = () => {
      const last = this.samples[this.samples.length - 1];
      return last ? messagesIn(last) : 0;
    };
    const after = left();
    while (left() > baseline && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, until - Date.now()))));
    const waited = ((Date.now() - began) / 1000).toFixed(1);
    if (left() > baseline) this.hooks.log(`burst: ${left()} messages still in the queues ${waited} s after the load (${after} at its end, ${baseline} before it): --settle-timeout ran out, what follows starts on them`);
    else if (after > baseline) this.hooks.log(`burst: your consumers drained the backlog (${after} message${after === 1 ? '' : 's'}) in ${waited} s`);
  }

  /** One sample of every queue and DLQ, stamped at the middle of its calls; a failed one is a gap. */
  private sample(): Promise<void> {
    if (this.sampling) return this.sampling; // a slow GetQueueAttributes must not pile up
    const done = (async () => {
      const asked = now();
      try {
        const [queues, dlqs] = await Promise.all([
          Promise.all(this.queueUrls.map((u) => queueDepth(this.admin, u))),
          Promise.all(this.dlqUrls.map((u) => queueDepth(this.admin, u))),
        ]);
        const s: DepthSample = {
          t: Math.round((asked + now()) / 2),
          visible: queues.reduce((n, d) => n + d.visible, 0),
          inFlight: queues.reduce((n, d) => n + d.inFlight, 0),
          delayed: queues.reduce((n, d) => n + d.delayed, 0),
        };
        if (this.dlqUrls.length) s.dlq = dlqs.reduce((n, d) => n + messagesIn(d), 0);
        this.samples.push(s);
        this.hooks.onSample?.(queues, dlqs);
      } catch {
        // A missed sample is a gap: the slope is fitted to the others.
      } finally {
        this.sampling = undefined;
      }
    })();
    this.sampling = done;
    return done;
  }
}
