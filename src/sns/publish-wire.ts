/**
 * send --topic-arn --client sdk: the send loops' SendMessageBatch calls carried as SNS
 * PublishBatch, through @aws-sdk/client-sns. It offers the loops the wire interface (HotWire), so the schedule, lanes,
 * retries of Failed entries, integrity bitmaps and every count stay the send worker's own; the
 * request the loops build (SendMessageBatch's JSON: QueueUrl, Entries of Id, MessageBody,
 * MessageAttributes) is read as PublishBatch's input (TopicArn, PublishBatchRequestEntries of Id,
 * Message, MessageAttributes: the same attribute shape), and the reply's Successful and Failed
 * entries are the batch caller's as they are.
 *
 * This is the --client sdk path, as a production SNS SDK client publishes (its retries inside a
 * call); the default is the lean path (lean-wire.ts, query.ts), which costs a quarter of the
 * client CPU per message (README "SNS fan-out").
 * Loaded by a worker only for a topic send with --client sdk (a dynamic import, worker-kit/open-wire.ts).
 */
import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import type { Connection } from '../config.js';
import { SqsError } from '../errors.js';
import { errorCodeOf, isRetryable, OWN_CODES } from '../sqs/error-codes.js';
import type { CallOptions, HotAction, HotWire, Prepared } from '../sqs/wire.js';
import { createSnsClient, type SnsTarget } from './client.js';

interface SendBatchBody {
  QueueUrl: string;
  Entries: Array<{ Id: string; MessageBody: string; MessageAttributes?: PublishBatchRequestEntry['MessageAttributes'] }>;
}

export class PublishWire implements HotWire {
  private readonly client: SNSClient;
  readonly preparesAhead = false;

  constructor(
    private readonly conn: Connection,
    target: SnsTarget,
    maxSockets: number,
  ) {
    this.client = createSnsClient(conn, target, maxSockets, true);
  }

  async call<T = unknown>(action: HotAction, body: string | Buffer, opts: CallOptions<T> = {}): Promise<T> {
    if (action !== 'SendMessageBatch') throw new SqsError(OWN_CODES.unknown, `${action} is not an SNS call`, false);
    const batch = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as SendBatchBody;
    const input = {
      TopicArn: batch.QueueUrl,
      PublishBatchRequestEntries: batch.Entries.map((e) => ({ Id: e.Id, Message: e.MessageBody, ...(e.MessageAttributes ? { MessageAttributes: e.MessageAttributes } : {}) })),
    };
    try {
      const out = await this.client.send(new PublishBatchCommand(input), { abortSignal: opts.signal, requestTimeout: opts.timeoutMs ?? this.conn.requestTimeoutMs });
      return { Successful: out.Successful ?? [], Failed: out.Failed ?? [] } as T;
    } catch (e) {
      throw snsError(e, opts.signal);
    }
  }

  prepare(): undefined {
    return undefined;
  }

  /** Not reached while prepare() gives nothing. */
  send<T = unknown>(prepared: Prepared, opts: CallOptions<T> = {}): Promise<T> {
    return this.call<T>('SendMessageBatch', prepared.payload, opts);
  }

  close(): void {
    this.client.destroy();
  }
}

/** What the SDK threw, as the loops' SqsError: a service error by its name, a network error by Node's code, a cut call as Aborted. */
function snsError(e: unknown, signal?: AbortSignal): SqsError {
  const err = e as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const message = String(err?.message ?? e);
  if (signal?.aborted) return new SqsError(OWN_CODES.aborted, message, false);
  const status = err?.$metadata?.httpStatusCode ?? 0;
  if (err?.$fault && err.name) return new SqsError(err.name, message, isRetryable(err.name, status), status);
  const code = errorCodeOf(e);
  return new SqsError(code === 'Error' ? OWN_CODES.unknown : code, message, isRetryable(code, status), status);
}
