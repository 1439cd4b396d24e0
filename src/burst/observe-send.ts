/**
 * `send --observe`: a fixed-rate send into the queues the user's consumers read, with their depth
 * (and their DLQs') sampled every second around it, as burst --consumer external samples each
 * step (burst/external.ts). The result gains `consumers`: their pace over the send's measured
 * phase (sent − the backlog's growth) and the DLQ's gain, up to the end of the drain that follows.
 */
import { resolveConfig } from '../config.js';
import { positiveArg, type RawArgs } from '../config/args.js';
import { UsageError } from '../errors.js';
import { ConsumerFeed } from '../observe/consumer-feed.js';
import type { ObservedConsumers, Result } from '../result/document.js';
import { backlogOf } from './backlog.js';
import { BURST_DEFAULTS } from '../config/defaults.js';
import { BacklogWatch } from './external.js';

/** --observe's own flags checked before anything runs; null without --observe. */
export function resolveObserve(args: RawArgs): { settleMs: number } | null {
  if (!args.observe) {
    const stray = ['settleTimeout', 'dlqUrl'].find((k) => args[k] !== undefined);
    if (stray) throw new UsageError(`--${stray === 'dlqUrl' ? 'dlq-url' : 'settle-timeout'} belongs to send --observe (your consumers watched through the queue depth): add --observe, or drop it`);
    return null;
  }
  if (args.local) throw new UsageError('--observe watches your consumers, who cannot reach the server --local starts: give --endpoint or --queue-url of the queues they read');
  const settle = positiveArg(args, 'settleTimeout', 'give the seconds your consumers may take to drain the backlog after the send, e.g. --settle-timeout 120') ?? BURST_DEFAULTS.settleTimeout;
  return { settleMs: settle * 1000 };
}

/** `run` is given the feed that carries the samples and the consumers' figures to /metrics. */
export async function observeSend(args: RawArgs, settleMs: number, run: (feed: ConsumerFeed) => Promise<Result>): Promise<Result> {
  const feed = new ConsumerFeed();
  let consumers: ObservedConsumers | null = null;
  try {
    return await watched(args, settleMs, () => run(feed), feed, (c) => (consumers = c));
  } finally {
    feed.finish(consumers); // also on a failure: /metrics must not wait for figures that will not come
  }
}

async function watched(args: RawArgs, settleMs: number, run: () => Promise<Result>, feed: ConsumerFeed, found: (c: ObservedConsumers) => void): Promise<Result> {
  // A config of its own: setup resolves the endpoint on the config it is given.
  const log = (line: string) => process.stderr.write(line.replace(/^burst:/, 'sqs-blast:') + '\n');
  const watch = await BacklogWatch.open(resolveConfig('send', args), args, { log, onSample: (q, d) => feed.sample(q, d) });
  try {
    const r = await watch.around(run, () => Date.now() + settleMs);
    const p = r.phases.send;
    const consumers = p ? backlogOf(r, p.endedAt - p.startedAt) : null;
    if (consumers) {
      r.consumers = consumers;
      found(consumers);
    } else process.stderr.write('sqs-blast: --observe: fewer than two depth samples fell in the send’s measured phase; send for longer (--duration)\n');
    return r;
  } finally {
    watch.close();
  }
}
