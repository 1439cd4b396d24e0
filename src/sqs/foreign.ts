/**
 * Before a send: do its queues hold another run's messages? Two runs on one set of queues take
 * each other's messages (each run's drains count the other's as foreign, and its own go missing
 * into the other's drains), so a send refuses to start there unless --allow-foreign. The look is
 * a ReceiveMessage with a visibility timeout of 0 on each queue that shows visible messages: the
 * messages stay where they are (their receive count goes up by one).
 */
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parseHead } from '../payload.js';
import { HEAD_ATTRIBUTE } from '../workload/template.js';
import { queueDepth } from './depth.js';

export interface ForeignFind {
  url: string;
  /** Run ids of the sqs-blast messages seen that are not this run's ('not sqs-blast' for other bodies). */
  runIds: string[];
}

export async function foreignMessages(admin: SQSClient, queueUrls: string[], runId: string): Promise<ForeignFind[]> {
  const found: ForeignFind[] = [];
  for (const url of queueUrls) {
    if ((await queueDepth(admin, url)).visible === 0) continue;
    const reply = await admin.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0, MessageAttributeNames: [HEAD_ATTRIBUTE] }));
    const others = new Set<string>();
    for (const m of reply.Messages ?? []) {
      const head = parseHead(m.Body ?? '') ?? parseHead(m.MessageAttributes?.[HEAD_ATTRIBUTE]?.StringValue ?? '');
      if (!head) others.add('not sqs-blast');
      else if (head.runId !== runId) others.add(head.runId);
    }
    if (others.size) found.push({ url, runIds: [...others] });
  }
  return found;
}
