/**
 * The one way sqs-blast creates a queue, for `queues create` and for `--create-queues` alike:
 * the attributes a queue of a name should have, and the CreateQueue call. `queues create` also
 * checks a queue that exists already (the same attributes are fine, others are an error naming
 * them); `--create-queues` uses an existing queue as it is.
 *
 * Creation meets AWS's queue lifecycle rather than failing on it: a new queue may not answer for
 * about a second (its calls get QueueDoesNotExist, so a load started at once fails every
 * message), and the name of a queue deleted less than 60 s ago is refused (QueueDeletedRecently),
 * the common case of `queues delete` then `queues create` between runs. Both are waited out,
 * bounded, each kind of wait said once on stderr however many queues wait.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { UsageError } from '../errors.js';
import { isDeletedRecently, isMissingQueue } from './error-codes.js';
import { sleep } from './retry.js';

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

/** How long a created queue may take to answer (AWS says about a second). */
export const READY_TIMEOUT_MS = 30_000;
/** How long a recently deleted name is waited for: AWS's 60 s, and room for its clock and ours. */
export const DELETED_TIMEOUT_MS = 90_000;
/** Between CreateQueue attempts on a refused name: a minute's wait needs no finer steps. */
const DELETED_POLL_MS = 2000;

/** How creation meets the lifecycle: whether a refused name is waited for, and where waits are said. */
export interface Lifecycle {
  /** False under --no-wait: a name deleted less than 60 s ago is an error at once. */
  wait: boolean;
  /** Says `line` the first time a wait of this `kind` happens, not again. */
  say(kind: 'ready' | 'deleted', line: string): void;
}

export function lifecycle(wait: boolean, write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Lifecycle {
  const said = new Set<string>();
  return {
    wait,
    say(kind, line) {
      if (said.has(kind)) return;
      said.add(kind);
      write(`sqs-blast: ${line}`);
    },
  };
}

/**
 * Create a queue and return its URL once it answers. CreateQueue answers with the existing queue
 * when one of the same attributes exists.
 */
export async function createQueue(client: SQSClient, name: string, attributes: Record<string, string>, life: Lifecycle): Promise<string> {
  const deadline = Date.now() + DELETED_TIMEOUT_MS;
  let url: string | undefined;
  while (!url) {
    try {
      url = (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
    } catch (e) {
      if (!isDeletedRecently(e)) throw e;
      if (!life.wait) {
        throw new UsageError(`queue ${name} was deleted less than 60 s ago and SQS refuses its name until then; try again in a minute, or drop --no-wait (SQS_BLAST_WAIT=false) to wait it out`);
      }
      if (Date.now() >= deadline) {
        throw new UsageError(`queue ${name}: SQS still refuses the name ${DELETED_TIMEOUT_MS / 1000} s after it was deleted (QueueDeletedRecently); try again later, or use another --queue-prefix`);
      }
      life.say('deleted', `queue ${name} was deleted less than 60 s ago; SQS refuses its name until then: waiting (--no-wait to fail at once)`);
      await sleep(Math.min(DELETED_POLL_MS, deadline - Date.now()));
    }
  }
  await untilItAnswers(client, name, url, life);
  return url;
}

/**
 * A cheap call on the new queue until it stops answering QueueDoesNotExist, bounded. Pauses
 * double from 100 ms to 500 ms: AWS's usual second is seen within half a second of its end,
 * and a slower queue is not asked more than twice a second.
 */
async function untilItAnswers(client: SQSClient, name: string, url: string, life: Lifecycle): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (let pause = 100; ; pause = Math.min(pause * 2, 500)) {
    try {
      await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
      return;
    } catch (e) {
      if (!isMissingQueue(e)) throw e;
      if (Date.now() >= deadline) {
        throw new UsageError(`queue ${name} was created but still does not exist after ${READY_TIMEOUT_MS / 1000} s; check the queue in the console (or --endpoint), then try again`);
      }
      life.say('ready', `queue ${name} was created but does not answer yet (a new SQS queue can take about a second): waiting up to ${READY_TIMEOUT_MS / 1000} s`);
      await sleep(pause);
    }
  }
}

function sameValue(key: string, want: string, have: string | undefined): boolean {
  if (key !== 'RedrivePolicy') return want === have;
  if (!have) return false;
  const w = JSON.parse(want) as { deadLetterTargetArn: string; maxReceiveCount: number };
  const h = JSON.parse(have) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
  return w.deadLetterTargetArn === h.deadLetterTargetArn && Number(w.maxReceiveCount) === Number(h.maxReceiveCount);
}

/** The queue with these attributes: created, or found with the same ones; found with others is a UsageError. */
export async function ensureQueue(client: SQSClient, name: string, attributes: Record<string, string>, life: Lifecycle): Promise<{ url: string; created: boolean }> {
  let url: string | undefined;
  try {
    url = (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (e) {
    if (!isMissingQueue(e)) throw e;
  }
  if (!url) return { url: await createQueue(client, name, attributes, life), created: true };
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
