/**
 * SNS topic setup: `queues create --topic NAME --subscribe N` (a topic, N queues, the queue
 * policies that let the topic deliver, and the subscriptions, raw delivery on or off), and, for
 * send --topic-arn, the topic's check and its SQS subscriptions (each acknowledged publish is one
 * delivery, billed, per subscribed queue). Every call is idempotent: CreateTopic of an existing
 * name returns its ARN, Subscribe of an existing endpoint its subscription.
 */
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
  SubscribeCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { UsageError } from '../errors.js';
import { errorCodeOf } from '../sqs/error-codes.js';

/**
 * The queue policy SNS needs to deliver: sns.amazonaws.com may SendMessage to this queue, only for
 * this topic (aws:SourceArn), as the SNS console writes it.
 */
export function deliveryPolicy(queueArn: string, topicArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'sqs-blast-sns-delivery',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
      },
    ],
  });
}

/** Topic names: 1-256 letters, digits, '-' or '_' (SNS's rule); FIFO topics are not sent to. */
export function checkTopicName(name: string): void {
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(name)) throw new UsageError(`--topic ${JSON.stringify(name)} must be 1-256 letters, digits, '-' or '_' (a standard SNS topic)`);
}

/**
 * The topic, created if missing; each queue given its delivery policy and subscribed, with
 * RawMessageDelivery as asked (set again on an existing subscription, so a second create can
 * switch it). Rows for the `queues create` table.
 */
export async function subscribeQueues(sns: SNSClient, sqs: SQSClient, topicName: string, queueUrls: string[], raw: boolean): Promise<string[][]> {
  const { TopicArn: topicArn } = await sns.send(new CreateTopicCommand({ Name: topicName }));
  const rows: string[][] = [[topicName, 'topic', topicArn!]];
  for (const url of queueUrls) {
    const { Attributes: a = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    const queueArn = a.QueueArn!;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: deliveryPolicy(queueArn, topicArn!) } }));
    const { SubscriptionArn: sub } = await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: String(raw) }, ReturnSubscriptionArn: true }),
    );
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub, AttributeName: 'RawMessageDelivery', AttributeValue: String(raw) }));
    rows.push([queueArn.split(':').pop()!, raw ? 'subscribed (raw)' : 'subscribed (envelope)', sub!]);
  }
  return rows;
}

/** send --topic-arn: the topic must exist; answers how many SQS queues it delivers to. */
export async function sqsSubscriptions(sns: SNSClient, topicArn: string): Promise<number> {
  try {
    await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
  } catch (e) {
    const code = errorCodeOf(e);
    if (code === 'NotFoundException' || code === 'NotFound') {
      throw new UsageError(`topic ${topicArn} does not exist; create it with sqs-blast queues create --topic NAME --subscribe N, or check --topic-arn`);
    }
    throw e;
  }
  let n = 0;
  let next: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: next }));
    n += (page.Subscriptions ?? []).filter((s) => s.Protocol === 'sqs').length;
    next = page.NextToken;
  } while (next);
  return n;
}
