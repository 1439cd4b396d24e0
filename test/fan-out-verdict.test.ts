/**
 * drain --fan-out's integrity, on bitmaps made here: each subscription is its own copy of the
 * run, judged against the producers' acknowledged seqs, and a subscription that saw nothing of a
 * run (the drain says so with an empty entry) counts all of it missing.
 */
import { describe, expect, it } from 'vitest';
import { IntegrityTracker, mergeIntegrity, producedShard, verdict } from '../src/metrics/integrity.js';
import { SeqBits } from '../src/metrics/seq-bits.js';
import { everySubscription } from '../src/sns/fan-out.js';
import { createSharedState, LiveView } from '../src/metrics/live.js';
import { addTallies } from '../src/metrics/tally.js';
import { LiveSource } from '../src/observe/live-source.js';
import { buildRegistry, serveMetrics } from '../src/observe/prometheus.js';
import { compareResults } from '../src/report/compare.js';
import { emptyResult, finalize, type Result } from '../src/result/document.js';
import { scrape } from './scrape.js';

const identity = { runId: 'r1', shard: 0, shards: 1, of: 10, total: 10 };
const head = (seq: number) => ({ ...identity, id: `r1-0-${seq}`, seq, sentAt: 0 });

function producer(acked: number[]) {
  const bits = new SeqBits(10);
  for (const s of acked) bits.mark(s);
  // Every one of the 10 publishes ended: acknowledged, or refused.
  const settled = new SeqBits(10);
  for (let s = 0; s < 10; s++) settled.mark(s);
  return producedShard(identity, { sent: acked.length, attempted: 10, failed: 10 - acked.length }, { acked: bits.encode(), settled: settled.encode(), from: 0 });
}

describe('the fan-out verdict', () => {
  it('sums missing over subscriptions, names each, and counts a copy per subscription as no duplicate', () => {
    const drain = new IntegrityTracker();
    for (let s = 0; s < 10; s++) drain.observe(head(s), 'q-a');
    for (let s = 0; s < 8; s++) drain.observe(head(s), 'q-b');
    drain.observe(head(3), 'q-b');
    const consumers = everySubscription(drain.toJSON(), ['q-a', 'q-b', 'q-c']);
    expect(consumers.map((e) => [e.subscription, e.distinct])).toEqual([
      ['q-a', 10],
      ['q-b', 8],
      ['q-c', 0],
    ]);
    const all = Array.from({ length: 10 }, (_, i) => i);
    const v = verdict(mergeIntegrity([producer(all), ...consumers]));
    expect(v.subscriptions).toEqual([
      { subscription: 'q-a', distinct: 10, duplicates: 0, missing: 0 },
      { subscription: 'q-b', distinct: 8, duplicates: 1, missing: 2 },
      { subscription: 'q-c', distinct: 0, duplicates: 0, missing: 10 },
    ]);
    expect([v.missing, v.duplicates, v.distinct, v.sentExact]).toEqual([12, 1, 18, 10]);
    // Without the producer, the bodies' shard size bounds the same copies alike.
    expect(verdict(consumers).subscriptions!.map((s) => s.missing)).toEqual([0, 2, 10]);
  });

  it('calls no refused publish missing on any subscription', () => {
    const drain = new IntegrityTracker();
    for (let s = 0; s < 8; s++) for (const q of ['q-a', 'q-b']) drain.observe(head(s), q);
    const v = verdict(mergeIntegrity([producer([0, 1, 2, 3, 4, 5, 6, 7]), ...drain.toJSON()]));
    // Seqs 8 and 9 were refused: failed (once, not per subscription), on no subscription missing.
    expect([v.missing, v.failedExact, v.sentExact]).toEqual([0, 2, 8]);
    expect(v.subscriptions!.map((s) => s.missing)).toEqual([0, 0]);
  });
});

/** A finalized drain --fan-out result of run r1 (10 messages) in which q-b saw only `seenOnB` of them. */
function fanOutDrain(seenOnB: number): Result {
  const t = new IntegrityTracker();
  for (let s = 0; s < 10; s++) t.observe(head(s), 'q-a');
  for (let s = 0; s < seenOnB; s++) t.observe(head(s), 'q-b');
  const r = emptyResult('drain', 'r1');
  r.phases.drain = { startedAt: 0, endedAt: 1000 };
  addTallies(r, [{ integrity: everySubscription(t.toJSON(), ['q-a', 'q-b']) }]);
  return finalize(r);
}

describe('the fan-out figures beyond the summary', () => {
  it('compare carries the subscriptions with losses', () => {
    const lost = compareResults(fanOutDrain(10), fanOutDrain(6)).find((f) => f.metric === 'fanout.lost')!;
    expect([lost.base, lost.next, lost.verdict]).toEqual([0, 1, 'worse']);
    expect(fanOutDrain(6).fanOut!.lost).toEqual(['q-b']);
  });

  it('/metrics serves each subscription’s figures once the result is in', async () => {
    const state = createSharedState(1);
    const source = new LiveSource({ run_id: 'r1', shard: '0', command: 'drain' }, new LiveView(state), state, () => 0);
    source.result = fanOutDrain(6);
    const { server, url } = await serveMetrics(buildRegistry(source), 0, '127.0.0.1');
    try {
      const family = (await scrape(url)).families.get('sqs_blast_subscription_messages')!;
      const missing = family.metrics.filter((m) => m.labels?.state === 'missing').map((m) => [m.labels!.subscription, Number(m.value)]);
      expect(missing).toEqual([
        ['q-a', 0],
        ['q-b', 4],
      ]);
    } finally {
      server.close();
    }
  });
});

describe('the fan-out flags', () => {
  it('are read from SQS_BLAST_<FLAG> too; --expect with --fan-out counts messages published, one delivery per queue', async () => {
    const { envArgs } = await import('../src/cli/commands.js');
    const { resolveConfig } = await import('../src/config.js');
    const env = { SQS_BLAST_FAN_OUT: 'true', SQS_BLAST_EXPECT: '500', SQS_BLAST_QUEUES: '3', SQS_BLAST_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t' };
    const drain = resolveConfig('drain', envArgs('drain', {}, env), {});
    expect([drain.drain!.fanOut, drain.drain!.expect]).toEqual([true, 1500]);
    const send = resolveConfig('send', envArgs('send', {}, env), {});
    expect(send.topic).toEqual({ arn: 'arn:aws:sns:eu-west-1:123456789012:t', region: 'eu-west-1' });
    expect(envArgs('queues', {}, { SQS_BLAST_TOPIC: 'shop', SQS_BLAST_SUBSCRIBE: '3', SQS_BLAST_RAW_DELIVERY: 'true' })).toEqual({ topic: 'shop', subscribe: 3, rawDelivery: true });
  });
});
