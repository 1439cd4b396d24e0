/**
 * send --topic-arn on the lean path (the default client): SNS PublishBatch through sqs-blast's own
 * HTTP/1.1 client and SigV4 signer, as SQS's calls go (sqs/wire.ts), in SNS's query protocol
 * (query.ts). A paced batch is built and signed ahead of its moment, as on SQS. The SNS SDK
 * carries publishes with --client sdk (publish-wire.ts).
 */
import type { Connection } from '../config.js';
import type { TopicTarget } from '../protocol.js';
import { SqsWire, type CallOptions, type HotAction, type HotWire, type Prepared, type WireHooks } from '../sqs/wire.js';
import { publishBatchForm, readPublishBatchReply, SNS_QUERY } from './query.js';

export class SnsLeanWire implements HotWire {
  readonly preparesAhead = true;
  private readonly wire: SqsWire;

  constructor(conn: Connection, topic: TopicTarget, maxSockets: number, hooks: WireHooks) {
    // SNS's endpoint and the topic's region; where the SDK would resolve one, the regional host.
    const endpoint = topic.endpoint ?? `https://sns.${topic.region}.amazonaws.com`;
    this.wire = new SqsWire({ ...conn, endpoint, region: topic.region }, maxSockets, undefined, hooks, SNS_QUERY);
  }

  call<T = unknown>(action: HotAction, body: string | Buffer, opts: CallOptions<T> = {}): Promise<T> {
    return this.wire.call<T>(action, publishBatchForm(body), { ...opts, read: readPublishBatchReply as (b: Buffer) => T });
  }

  prepare(action: HotAction, payload: Buffer): Prepared | undefined {
    return this.wire.prepare(action, publishBatchForm(payload));
  }

  send<T = unknown>(prepared: Prepared, opts: CallOptions<T> = {}): Promise<T> {
    return this.wire.send<T>(prepared, { ...opts, read: readPublishBatchReply as (b: Buffer) => T });
  }

  close(): void {
    this.wire.close();
  }
}
