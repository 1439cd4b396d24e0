/**
 * send --observe on /metrics, against the real local server with no consumer at all: the watched
 * queue's backlog and its DLQ's depth are gauges while the run goes on, and once the consumers'
 * figures are in (after the settle) the last scrape carries them, equal to the result's
 * `consumers`. With nobody consuming, the consumers' pace is ~0 and the backlog grows at the send rate.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { Result } from '../src/result/document.js';
import { createQueues, endpoint, runCli, sdk, uniquePrefix } from './helpers.js';
import { scrape, type Scrape } from './scrape.js';

const CONSUMER_GAUGES = ['sqs_blast_consumers_messages_per_second', 'sqs_blast_backlog_growth_messages_per_second', 'sqs_blast_dlq_gain_messages'];

/** A queue whose RedrivePolicy names a DLQ already holding `inDlq` messages. */
async function queueWithDlq(prefix: string, inDlq: number): Promise<{ url: string; dlq: string }> {
  const client = sdk();
  try {
    const [dlq] = await createQueues(client, `${prefix}-dlq`, 1);
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }));
    const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: '5' });
    const [url] = await createQueues(client, prefix, 1, { RedrivePolicy });
    await client.send(new SendMessageBatchCommand({ QueueUrl: dlq, Entries: Array.from({ length: inDlq }, (_, i) => ({ Id: String(i), MessageBody: 'failed earlier' })) }));
    return { url, dlq };
  } finally {
    client.destroy();
  }
}

const nameOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

describe('send --observe on /metrics', () => {
  it('shows the backlog and the DLQ while it sends, and the consumers’ figures once they are in', async () => {
    const { url, dlq } = await queueWithDlq(uniquePrefix('obs-prom'), 3);
    const out = join(mkdtempSync(join(tmpdir(), 'obs-prom-')), 'result.json');
    const live: Scrape[] = [];
    let final: Scrape | undefined;
    let metrics: string | undefined;
    let resultIn = false;
    let loop: Promise<void> | undefined;
    const poll = async () => {
      while (!resultIn) {
        live.push(await scrape(metrics!));
        await new Promise((r) => setTimeout(r, 300));
      }
      final = await scrape(metrics!);
    };
    // 100 msg/s for 6 s (1 s warm-up): ~5 one-second depth samples in the measured phase, a
    // bounded run however busy the box; the settle gives up after 1 s (nobody drains the queue).
    const run = await runCli(
      ['send', '--observe', '--endpoint', endpoint(), '--queue-url', url, '--message-size', '256', '--rate', '100', '--duration', '6', '--warmup', '1',
        '--settle-timeout', '1', '--metrics-port', '0', '--metrics-linger', '3', '--out', out, '--quiet'],
      {
        timeoutMs: 60_000,
        onStderr: (chunk) => {
          metrics ??= /Prometheus metrics at (http:\S+)/.exec(chunk)?.[1];
          if (metrics && !loop) loop = poll();
          if (/stay up/.test(chunk)) resultIn = true;
        },
      },
    );
    await loop;
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as Result;
    const c = result.consumers!;
    expect(c, run.stderr).toBeDefined();

    // While it ran: the queue's backlog grew on sqs_blast_queue_messages, the DLQ held its 3,
    // and the consumers' figures were absent (not yet known, so not shown as 0).
    const backlog = (s: Scrape) =>
      (s.families.get('sqs_blast_queue_messages')?.metrics ?? []).filter((m) => m.labels!.queue === nameOf(url)).reduce((n, m) => n + Number(m.value), 0);
    const during = live.filter((s) => backlog(s) > 0 && backlog(s) < result.sent);
    expect(during.length, `${live.length} scrapes`).toBeGreaterThanOrEqual(2);
    expect(new Set(during.map(backlog)).size).toBeGreaterThanOrEqual(2);
    expect(during.some((s) => s.byLabel('sqs_blast_dlq_messages', 'queue')[nameOf(dlq)] === 3)).toBe(true);
    for (const name of CONSUMER_GAUGES) expect(during[0].families.get(name)?.metrics ?? [], name).toEqual([]);

    // Once in: the gauges are the result's figures. Nobody consumed: pace ~0, growth ~ the send rate.
    expect(final!.value('sqs_blast_consumers_messages_per_second')).toBe(c.consumedPerSec);
    expect(final!.value('sqs_blast_backlog_growth_messages_per_second')).toBe(c.growthPerSec);
    expect(final!.value('sqs_blast_dlq_gain_messages')).toBe(0);
    expect(c.dlqGain).toBe(0);
    const seen = JSON.stringify(c);
    // The slope's error is the depth samples' timing (each stamped at the middle of its call):
    // 15% of 100 msg/s allows a sample ~150 ms off over 5 s, generous for a busy 2-core box.
    expect(Math.abs(c.consumedPerSec), seen).toBeLessThanOrEqual(15);
    expect(Math.abs(c.growthPerSec - c.sentPerSec), seen).toBeLessThanOrEqual(15);
    expect(Math.abs(c.sentPerSec - 100), seen).toBeLessThanOrEqual(15);
    // After the send the backlog is everything sent, on the same gauge.
    expect(backlog(final!)).toBe(result.sent);
    expect(final!.byLabel('sqs_blast_dlq_messages', 'queue')).toEqual({ [nameOf(dlq)]: 3 });
  }, 90_000);
});
