/**
 * `sqs-blast queues create|purge|delete|stats`: set up the queues a test needs (standard or
 * FIFO, with a dead-letter queue), clear them between runs, and watch their depth — the console
 * clicking the seed post did by hand. Creation is idempotent: the same attributes again are fine,
 * different ones are an error that names them (sqs/create-queue.ts, shared with --create-queues).
 */
import {
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createInterface } from 'node:readline/promises';
import { intArg, queueNameOf, type Config } from './config.js';
import { UsageError } from './errors.js';
import { table } from './report/summary.js';
import { isMissingQueue } from './sqs/error-codes.js';
import { CREATE_DEFAULTS, desiredAttributes, dlqName, ensureQueue, lifecycle, type CreateOptions } from './sqs/create-queue.js';
import { messagesIn, queueDepth } from './sqs/depth.js';
import { queueNames, redriveTargets } from './sqs/queues.js';
import { createSnsClient, snsEndpoint } from './sns/client.js';
import { checkTopicName, subscribeQueues } from './sns/topics.js';

export function createOptions(args: Record<string, unknown>): CreateOptions {
  return {
    contentDedup: Boolean(args.contentDedup),
    highThroughput: Boolean(args.highThroughput),
    dlq: Boolean(args.dlq),
    maxReceiveCount: intArg(args, 'maxReceiveCount', 1, 1000, 'SQS allows 1 to 1000 receives before a message moves to the DLQ') ?? CREATE_DEFAULTS.maxReceiveCount,
    visibilityTimeout: intArg(args, 'visibilityTimeout', 0, 43_200, 'SQS allows 0 to 43200 seconds'),
    retention: intArg(args, 'retention', 60, 1_209_600, 'SQS keeps messages 60 to 1209600 seconds (14 days)'),
    maxMessageSize: intArg(args, 'maxMessageSize', 1024, 1_048_576, 'SQS allows 1024 to 1048576 bytes') ?? CREATE_DEFAULTS.maxMessageSize,
  };
}

export async function createQueues(client: SQSClient, config: Config, o: CreateOptions): Promise<string[][]> {
  const rows: string[][] = [['queue', 'status', 'url']];
  const life = lifecycle(config.queues.wait);
  for (const name of queueNames(config.queues)) {
    const attributes = desiredAttributes(name, o);
    if (o.dlq) {
      const dead = await ensureQueue(client, dlqName(name), desiredAttributes(dlqName(name), o), life);
      rows.push([dlqName(name), dead.created ? 'created' : 'exists', dead.url]);
      const { Attributes: a = {} } = await client.send(new GetQueueAttributesCommand({ QueueUrl: dead.url, AttributeNames: ['QueueArn'] }));
      attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: a.QueueArn, maxReceiveCount: o.maxReceiveCount });
    }
    const q = await ensureQueue(client, name, attributes, life);
    rows.push([name, q.created ? 'created' : 'exists', q.url]);
  }
  return rows;
}

/** --topic NAME [--subscribe N] [--raw-delivery]: the queues as above, then the topic and their subscriptions (sns/topics.ts). */
export function topicOptions(args: Record<string, unknown>): { name: string; raw: boolean } | undefined {
  const name = args.topic === undefined ? undefined : String(args.topic);
  if (name === undefined) {
    if (args.subscribe !== undefined || args.rawDelivery !== undefined) throw new UsageError('--subscribe and --raw-delivery set up an SNS topic: add --topic NAME');
    return undefined;
  }
  checkTopicName(name);
  if (args.fifo) throw new UsageError('--topic makes a standard SNS topic, which delivers to standard queues only: drop --fifo');
  const subscribe = intArg(args, 'subscribe', 1, 100, 'how many queues to subscribe, e.g. --subscribe 3');
  if (subscribe !== undefined && args.queues !== undefined && args.queues !== subscribe) {
    throw new UsageError(`--subscribe ${subscribe} and --queues ${String(args.queues)} disagree: give one of them (--subscribe N creates and subscribes N queues)`);
  }
  return { name, raw: Boolean(args.rawDelivery) };
}

export async function createTopicQueues(client: SQSClient, config: Config, o: CreateOptions, topic: { name: string; raw: boolean }): Promise<string[][]> {
  const rows = await createQueues(client, config, o);
  const names = new Set(queueNames(config.queues));
  const urls = rows.filter((r) => names.has(r[0])).map((r) => r[2]);
  const sns = createSnsClient(config.connection, { endpoint: snsEndpoint(config.connection), region: config.connection.region });
  try {
    rows.push(...(await subscribeQueues(sns, client, topic.name, urls, topic.raw)));
  } finally {
    sns.destroy();
  }
  return rows;
}

async function existingUrls(client: SQSClient, config: Config): Promise<string[]> {
  if (config.queues.urls) return config.queues.urls;
  const urls: string[] = [];
  for (const name of queueNames(config.queues)) {
    try {
      urls.push((await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!);
    } catch (e) {
      if (!isMissingQueue(e)) throw e;
    }
  }
  return urls;
}

/** Destructive actions need --yes, or a "y" typed at a terminal. */
async function confirm(what: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new UsageError(`${what}: add --yes to confirm (no terminal to ask)`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${what}? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError(`${what}: not confirmed`);
}

export async function purgeQueues(client: SQSClient, config: Config, yes: boolean): Promise<string[][]> {
  const urls = await existingUrls(client, config);
  await confirm(`purge ${urls.length} queue(s): ${urls.map(queueNameOf).join(', ')}`, yes);
  for (const url of urls) await client.send(new PurgeQueueCommand({ QueueUrl: url }));
  return [['queue', 'status'], ...urls.map((u) => [queueNameOf(u), 'purged'])];
}

export async function deleteQueues(client: SQSClient, config: Config, yes: boolean, withDlq: boolean): Promise<string[][]> {
  const urls = await existingUrls(client, config);
  const dlqs = withDlq ? await redriveTargets(client, urls) : [];
  const all = [...urls, ...dlqs];
  await confirm(`delete ${all.length} queue(s): ${all.map(queueNameOf).join(', ')}`, yes);
  for (const url of all) await client.send(new DeleteQueueCommand({ QueueUrl: url }));
  return [['queue', 'status'], ...all.map((u) => [queueNameOf(u), 'deleted'])];
}

export interface StatsRow {
  queue: string;
  role: 'queue' | 'dlq';
  visible: number;
  inFlight: number;
  delayed: number;
  /** Change in total depth per second since the previous sample (null on the first). */
  msgPerS: number | null;
}

export async function sampleStats(client: SQSClient, urls: string[], dlqs: string[], previous?: { at: number; rows: StatsRow[] }): Promise<{ at: number; rows: StatsRow[] }> {
  const at = Date.now();
  const depths = await Promise.all([...urls, ...dlqs].map((u) => queueDepth(client, u)));
  const rows = depths.map((d, i): StatsRow => {
    const queue = queueNameOf(d.url);
    const before = previous?.rows.find((r) => r.queue === queue);
    const total = messagesIn(d);
    const dt = previous ? (at - previous.at) / 1000 : 0;
    return {
      queue,
      role: i < urls.length ? 'queue' : 'dlq',
      visible: d.visible,
      inFlight: d.inFlight,
      delayed: d.delayed,
      msgPerS: before && dt > 0 ? Math.round(((total - messagesIn(before)) / dt) * 10) / 10 : null,
    };
  });
  return { at, rows };
}

export function statsTable(rows: StatsRow[]): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  return table([
    ['queue', 'role', 'visible', 'in flight', 'delayed', 'msg/s'],
    ...rows.map((r) => [r.queue, r.role, fmt(r.visible), fmt(r.inFlight), fmt(r.delayed), r.msgPerS === null ? '-' : (r.msgPerS > 0 ? '+' : '') + fmt(r.msgPerS)]),
  ]).join('\n');
}

export async function watchStats(client: SQSClient, config: Config, watchS: number | undefined, json: boolean): Promise<void> {
  const urls = await existingUrls(client, config);
  if (!urls.length) throw new UsageError('no selected queue exists; check --queue-prefix/--queues or create them (sqs-blast queues create)');
  const dlqs = await redriveTargets(client, urls);
  let previous: { at: number; rows: StatsRow[] } | undefined;
  let stop = false;
  const onSignal = () => (stop = true);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    do {
      previous = await sampleStats(client, urls, dlqs, previous);
      process.stdout.write(json ? JSON.stringify({ at: previous.at, queues: previous.rows }) + '\n' : `${new Date(previous.at).toISOString()}\n${statsTable(previous.rows)}\n\n`);
      if (watchS) await new Promise((r) => setTimeout(r, watchS * 1000));
    } while (watchS && !stop);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
