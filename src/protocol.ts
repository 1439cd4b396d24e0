/**
 * What the main thread and the worker threads say to each other: a task goes in (plain data that
 * survives a structured clone, plus the shared memory of the live counters), a Tally comes out.
 * The main thread plans tasks (send.ts, drain.ts), the workers (workers/) run them; both import
 * these shapes from here, so src/ never needs to import workers/.
 */
import type { Connection } from './config.js';
import type { ConsumerWorkload } from './config/consumer.js';
import type { SharedState } from './metrics/live.js';
import type { Tally } from './metrics/tally.js';
import type { PayloadIdentity } from './payload.js';
import type { SizeSpec } from './workload/sizes.js';
import type { SchedulePlan } from './load/schedule.js';

export interface SendTask {
  row: number;
  state: SharedState;
  connection: Connection;
  queueUrls: string[];
  identity: PayloadIdentity;
  /** The largest body; every body is this size unless `sizes` says otherwise. */
  messageSize: number;
  /** --message-size as a range or weights (absent: one fixed size). */
  sizes?: SizeSpec;
  /** --message-attributes: attributes per message. */
  attributes?: number;
  /** --delay-seconds for every message. */
  delaySeconds?: number;
  /** --body-file/--body-template: the user's body, `{{seq}}`, `{{uuid}}`, `{{now}}` filled per message. */
  bodyTemplate?: string;
  batchSize: number;
  /** Messages of this process's shard (Infinity: until the deadline or a stop). */
  total: number;
  /**
   * The first seq to send: 0, or where earlier attempts of the shard left off in the run's
   * ledger (ledger/resume.ts); seqs firstSeq..total-1 are this process's to send.
   */
  firstSeq: number;
  lanes: number;
  /** Epoch ms the run started: the timeline's first second. */
  startMs: number;
  /** When batches start and when none may start any more, shared by every worker of the process. */
  schedule: SchedulePlan;
  /** Send workers of the process: the schedule starts when all of them are ready. */
  workers: number;
  /** send --topic-arn: queueUrls holds the topic's ARN, and batches are SNS PublishBatch calls (sns/publish-wire.ts). */
  topic?: TopicTarget;
  /** FIFO queues: each lane owns its groups and sends them in seq order, one call at a time. */
  fifo?: { groups: number; contentDedup: boolean; firstLane: number; totalLanes: number; hotShare?: number };
}

/** Where a topic send publishes, and what each message costs downstream. */
export interface TopicTarget {
  arn: string;
  /** The SNS endpoint (undefined: the SDK's own for the region). */
  endpoint?: string;
  /** The topic's region, which SNS signs for. */
  region: string;
  /** SQS subscriptions of the topic at setup: each acknowledged message is that many SQS deliveries (billed). */
  sqsSubscriptions: number;
}

/** run: a bitmap shared by all drain threads for this process's own (runId, shard). */
export interface SharedSeen {
  runId: string;
  shard: number;
  of: number;
  words: SharedArrayBuffer;
}

export interface DrainTask {
  row: number;
  state: SharedState;
  connection: Connection;
  queueUrls: string[];
  /** One entry per poller: the index of the queue it polls. */
  pollers: number[];
  maxMessages: number;
  waitTimeSeconds: number;
  visibilityTimeout?: number;
  runIdFilter?: string;
  /**
   * run --downstream: the queues are a service's output. A message without our head has no send
   * time of ours (its SentTimestamp is when the service wrote it), so it stays out of the
   * end-to-end latency, which is then the latency through the service alone.
   */
  throughService?: boolean;
  sharedSeen?: SharedSeen;
  /** drain --fan-out: each queue's name (by index), a subscription with its own copy of every message. */
  subscriptions?: string[];
  /** --process-time, --delete, --extend-visibility, --max-in-flight (absent: receive and batch-delete at once). */
  consumer?: ConsumerWorkload;
  startMs: number;
  endMs?: number;
}

/** Both workers answer with a Tally: the fields of the result document they add up to. */
export interface SendWorkerResult extends Tally {
  /** The seqs SQS acknowledged, and those whose send ended either way (seq-bits.ts encoding). */
  acked: string;
  settled: string;
}
export type DrainWorkerResult = Tally;
