/** How many messages a queue holds, by state: sampled during a run and read at its end. */
import { GetQueueAttributesCommand, type QueueAttributeName, type SQSClient } from '@aws-sdk/client-sqs';

export interface QueueDepth {
  url: string;
  visible: number;
  inFlight: number;
  delayed: number;
}

const DEPTH_ATTRIBUTES: QueueAttributeName[] = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
];

/** Every message a queue holds, whatever its state. */
export function messagesIn(d: Pick<QueueDepth, 'visible' | 'inFlight' | 'delayed'>): number {
  return d.visible + d.inFlight + d.delayed;
}

export async function queueDepth(client: SQSClient, url: string): Promise<QueueDepth> {
  const { Attributes: a = {} } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: DEPTH_ATTRIBUTES }));
  return {
    url,
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
