/**
 * The wire a worker thread's loops call, as --client says: the lean SqsWire, or the SDK's; for a
 * topic send (--topic-arn), SNS PublishBatch on the lean path or through the SNS SDK. The SDK modules are imported
 * only when asked for: loading @aws-sdk/client-sqs costs a thread ~250 ms of CPU, which the lean
 * default must not pay.
 */
import type { Connection } from '../config.js';
import type { TopicTarget } from '../protocol.js';
import { SqsWire, type HotWire, type WireHooks } from '../sqs/wire.js';

export async function openWire(conn: Connection, maxSockets: number, hooks: WireHooks, topic?: TopicTarget): Promise<HotWire> {
  if (topic && conn.client === 'sdk') return new (await import('../sns/publish-wire.js')).PublishWire(conn, topic, maxSockets);
  if (topic) return new (await import('../sns/lean-wire.js')).SnsLeanWire(conn, topic, maxSockets, hooks);
  if (conn.client === 'sdk') return new (await import('../sqs/sdk-wire.js')).SdkWire(conn, maxSockets);
  return new SqsWire(conn, maxSockets, undefined, hooks);
}
