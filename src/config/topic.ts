/**
 * SNS fan-out flags: send --topic-arn (publish with PublishBatch instead of SendMessageBatch) and
 * drain --fan-out (every queue is one of the topic's subscriptions), checked against SNS's limits.
 */
import { UsageError } from '../errors.js';
import { boolArg, stringArg, type RawArgs } from './args.js';

/**
 * SNS takes at most 256 KiB (262,144 bytes) per message, and per PublishBatch call all its
 * entries together: https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html.
 */
export const SNS_MAX_BATCH_BYTES = 262_144;
/** Room for the sqs-blast head attribute of a --body-template message (~200 bytes) and the placeholders' values. */
const TEMPLATE_ROOM = 512;

export interface TopicOptions {
  arn: string;
  /** The topic's region (from its ARN): SNS signs for it. */
  region: string;
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z]{2}(?:-[a-z]+)+-\d+):([0-9]{12}):([A-Za-z0-9_-]{1,256})(\.fifo)?$/;

/** What the topic's checks read of the send's config (kept structural: config.ts imports this module). */
interface TopicSend {
  queueUrlsGiven: boolean;
  local: boolean;
  fifo: boolean;
  verifyMd5: boolean;
  send: { delaySeconds: number; bodyTemplate?: string; messageSize: number; attributes: number; batchSize: number };
}

export function resolveTopic(args: RawArgs, config: TopicSend): TopicOptions | undefined {
  const arn = stringArg(args, 'topicArn');
  if (arn === undefined) return undefined;
  const m = TOPIC_ARN.exec(arn);
  if (!m) throw new UsageError(`--topic-arn ${JSON.stringify(arn)} is not an SNS topic ARN; give one like arn:aws:sns:us-east-1:123456789012:load (sqs-blast queues create --topic NAME prints it)`);
  if (m[4]) throw new UsageError('--topic-arn names a FIFO topic (.fifo): send publishes to standard topics only; use a standard topic');
  if (config.queueUrlsGiven) throw new UsageError('--topic-arn publishes to the topic, not to queues: drop --queue-url (drain the subscribed queues with sqs-blast drain --fan-out)');
  if (config.local) throw new UsageError('--topic-arn publishes to a topic on a running server: drop --local and give --endpoint (e.g. from sqs-blast local, where queues create --topic made it)');
  if (config.fifo) throw new UsageError('--topic-arn publishes to a standard topic: drop --fifo');
  const s = config.send;
  if (s.delaySeconds) throw new UsageError('--delay-seconds is not an SNS publish setting: drop it with --topic-arn (set DelaySeconds on the subscribed queues instead)');
  if (config.verifyMd5) throw new UsageError('--verify-md5 checks SendMessageBatch replies; PublishBatch returns no MD5: drop it with --topic-arn');
  const perMessage = s.bodyTemplate !== undefined ? Buffer.byteLength(s.bodyTemplate) + TEMPLATE_ROOM : s.messageSize;
  // Attributes: SNS counts their names, types and values into the message size, as SQS does (~40 bytes each here).
  const attributeBytes = s.attributes * 40;
  if (s.batchSize * (perMessage + attributeBytes) > SNS_MAX_BATCH_BYTES) {
    const most = Math.floor(SNS_MAX_BATCH_BYTES / s.batchSize) - attributeBytes - (s.bodyTemplate !== undefined ? TEMPLATE_ROOM : 0);
    throw new UsageError(
      `--batch-size ${s.batchSize} x ${s.bodyTemplate !== undefined ? 'your body' : `--message-size ${perMessage}`} is over SNS's 256 KiB (262144 bytes) per PublishBatch: lower --message-size to at most ${most} bytes${s.bodyTemplate !== undefined ? ' of body' : ''}, or --batch-size`,
    );
  }
  return { arn, region: m[1] };
}

/** --fan-out: --expect counts messages published; each subscription queue gets all of them. */
export function resolveFanOut(args: RawArgs, drain: { fanOut: boolean; expect?: number }, queueCount: number): void {
  drain.fanOut = boolArg(args, 'fanOut') ?? false;
  if (drain.fanOut && drain.expect !== undefined) drain.expect *= queueCount;
}
