/**
 * Whose messages are in these queues? A ReceiveMessage with a visibility timeout of 0 on each:
 * the messages stay where they are, but their receive count goes up by one (a DLQ's
 * maxReceiveCount counts it), so ledger/queue-owner.ts looks only when no attempt of its own run
 * can have sent yet.
 */
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parseHead } from '../payload.js';
import { HEAD_ATTRIBUTE } from '../workload/template.js';

export interface ForeignFind {
  url: string;
  /** Run ids of the sqs-blast messages seen that are not this run's ('not sqs-blast' for other bodies). */
  runIds: string[];
}

export async function foreignMessages(admin: SQSClient, queueUrls: string[], runId: string): Promise<ForeignFind[]> {
  const found: ForeignFind[] = [];
  for (const url of queueUrls) {
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
