/**
 * The one way sqs-blast creates a queue, for `queues create` and for `--create-queues` alike:
 * the attributes a queue of a name should have, and the CreateQueue call. `queues create` also
 * checks a queue that exists already (the same attributes are fine, others are an error naming
 * them); `--create-queues` uses an existing queue as it is.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { UsageError } from '../errors.js';
import { isMissingQueue } from './error-codes.js';

export interface CreateOptions {
  contentDedup: boolean;
  highThroughput: boolean;
  dlq: boolean;
  maxReceiveCount: number;
  visibilityTimeout?: number;
  retention?: number;
  maxMessageSize: number;
}

/** `queues create` without flags, and what `--create-queues` creates. */
export const CREATE_DEFAULTS: CreateOptions = {
  contentDedup: false,
  highThroughput: false,
  dlq: false,
  maxReceiveCount: 5,
  // Set explicitly: the largest message SQS takes, whatever the account's or emulator's default.
  maxMessageSize: 1_048_576,
};

export function dlqName(name: string): string {
  return name.endsWith('.fifo') ? `${name.slice(0, -5)}-dlq.fifo` : `${name}-dlq`;
}

/** The attributes a queue of this name should have; the RedrivePolicy is added once the DLQ exists. */
export function desiredAttributes(name: string, o: CreateOptions): Record<string, string> {
  const fifo = name.endsWith('.fifo');
  const a: Record<string, string> = { MaximumMessageSize: String(o.maxMessageSize) };
  if (fifo) a.FifoQueue = 'true';
  if (fifo && o.contentDedup) a.ContentBasedDeduplication = 'true';
  if (fifo && o.highThroughput) {
    a.DeduplicationScope = 'messageGroup';
    a.FifoThroughputLimit = 'perMessageGroupId';
  }
  if (o.visibilityTimeout !== undefined) a.VisibilityTimeout = String(o.visibilityTimeout);
  if (o.retention !== undefined) a.MessageRetentionPeriod = String(o.retention);
  return a;
}

/** Create a queue; its URL. CreateQueue answers with the existing queue when one of the same attributes exists. */
export async function createQueue(client: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  return (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
}

function sameValue(key: string, want: string, have: string | undefined): boolean {
  if (key !== 'RedrivePolicy') return want === have;
  if (!have) return false;
  const w = JSON.parse(want) as { deadLetterTargetArn: string; maxReceiveCount: number };
  const h = JSON.parse(have) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
  return w.deadLetterTargetArn === h.deadLetterTargetArn && Number(w.maxReceiveCount) === Number(h.maxReceiveCount);
}

/** The queue with these attributes: created, or found with the same ones; found with others is a UsageError. */
export async function ensureQueue(client: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; created: boolean }> {
  let url: string | undefined;
  try {
    url = (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (e) {
    if (!isMissingQueue(e)) throw e;
  }
  if (!url) return { url: await createQueue(client, name, attributes), created: true };
  const reply = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
  const have = (reply.Attributes ?? {}) as Record<string, string>;
  const differ = Object.entries(attributes)
    .filter(([k, v]) => !sameValue(k, v, have[k]))
    .map(([k, v]) => `${k}=${have[k] ?? '(unset)'} (asked ${v})`);
  if (differ.length) {
    throw new UsageError(`queue ${name} exists with other attributes: ${differ.join(', ')}; delete it (sqs-blast queues delete) or match the flags`);
  }
  return { url, created: false };
}
