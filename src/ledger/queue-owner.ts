/**
 * Runs kept apart: a send refuses to start on queues that hold another run's messages (two runs on
 * one set of queues take each other's: each one's drains count the other's as foreign, and its
 * own go missing into the other's drains), unless --allow-foreign.
 *
 * Looking costs a receive (sqs/foreign.ts), which must never touch this run's own messages: 20 pods
 * peeking at their siblings' messages would push them past a DLQ's maxReceiveCount. So every send
 * attempt first writes a started marker; one that then finds messages in its queues looks at them
 * only when no other attempt of its run has a marker. S3 lists what was written before (strongly
 * consistent), and a sibling writes its marker before its first message: messages seen before the
 * listing have their sender's marker in it.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { UsageError } from '../errors.js';
import type { ResultStore } from '../report/s3.js';
import { queueDepth } from '../sqs/depth.js';
import { foreignMessages } from '../sqs/foreign.js';
import type { AttemptIdentity } from '../config/attempt.js';
import { startedFolder, startedKey } from './markers.js';

export async function claimQueues(store: ResultStore, admin: SQSClient, queueUrls: string[], runId: string, shard: number, attempt: AttemptIdentity, allowForeign: boolean): Promise<void> {
  const mine = startedKey(runId, shard, attempt);
  await store.putText(mine, JSON.stringify({ runId, shard, ...attempt, at: Date.now() }));
  if (allowForeign) return;
  const depths = await Promise.all(queueUrls.map((u) => queueDepth(admin, u)));
  const busy = queueUrls.filter((_, i) => depths[i].visible > 0);
  if (!busy.length) return;
  const siblings = (await store.list(startedFolder(runId))).filter((o) => o.key !== mine);
  if (siblings.length) return; // another attempt of this run started first: the messages may be its
  const foreign = await foreignMessages(admin, busy, runId);
  if (!foreign.length) return;
  const f = foreign[0];
  const more = foreign.length > 1 ? ` (and ${foreign.length - 1} more queue${foreign.length > 2 ? 's' : ''})` : '';
  throw new UsageError(
    `queue ${f.url.split('/').pop()} holds messages of another run (${f.runIds.join(', ')})${more}: the runs would take each other's messages; use queues of your own (--queue-prefix; generated runs default to sqs-blast-<run id>), empty them (sqs-blast queues purge), or pass --allow-foreign`,
  );
}
