/**
 * run --downstream at setup: the service's output queues as URLs, each checked to exist and to be
 * none of the queues sent to (a run draining its own send queue would measure SQS, not the
 * service), and what they already hold said up front.
 *
 * A downstream queue is the service's, not the run's: messages already in it (the service's own
 * traffic, an earlier run's output) are not refused the way a send refuses another run's queues
 * (ledger/queue-owner.ts). They are consumed and counted `foreign` (any message without this run's
 * head is), so they cannot pass for this run's messages, and their count is printed before the
 * load so that a foreign figure in the summary is no surprise.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DownstreamRef } from '../config/downstream.js';
import { UsageError } from '../errors.js';
import { messagesIn, queueDepth } from './depth.js';
import { isMissingQueue } from './error-codes.js';
import { setupError } from './queues.js';

export async function resolveDownstreamQueues(admin: SQSClient, refs: DownstreamRef[], sendUrls: string[], endpoint: string): Promise<string[]> {
  const urls: string[] = [];
  for (const ref of refs) {
    const shown = 'url' in ref ? ref.url : ref.name;
    let url: string;
    try {
      if ('url' in ref) {
        await admin.send(new GetQueueAttributesCommand({ QueueUrl: ref.url, AttributeNames: ['QueueArn'] }));
        url = ref.url;
      } else {
        url = (await admin.send(new GetQueueUrlCommand({ QueueName: ref.name }))).QueueUrl!;
      }
    } catch (e) {
      if (isMissingQueue(e)) throw new UsageError(`--downstream queue ${shown} does not exist; give the queue your service writes its output to (a name or URL)`);
      throw setupError(e, endpoint, `checking --downstream queue ${shown}`);
    }
    // One queue has one URL path (/ACCOUNT/NAME) whatever host form names it.
    if (sendUrls.some((s) => samePath(s, url))) {
      throw new UsageError(`--downstream ${shown} is one of the queues sent to: give the queue your service writes to, and the queues it reads as --queue-url (or --queues/--queue-prefix)`);
    }
    if (!urls.some((u) => samePath(u, url))) urls.push(url);
  }
  return urls;
}

/** One stderr line per downstream queue that holds messages before the run (they will read as foreign). */
export async function noteLeftovers(admin: SQSClient, urls: string[]): Promise<void> {
  for (const url of urls) {
    const held = messagesIn(await queueDepth(admin, url));
    if (held > 0) {
      process.stderr.write(
        `sqs-blast: downstream queue ${url.split('/').pop()} holds ${held.toLocaleString('en-US')} messages before the run: they will be consumed and counted foreign (purge it first for a clean count)\n`,
      );
    }
  }
}

function samePath(a: string, b: string): boolean {
  return new URL(a).pathname.replace(/\/+$/, '') === new URL(b).pathname.replace(/\/+$/, '');
}
