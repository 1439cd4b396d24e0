/**
 * The hot actions' request bodies, next to the reader of their replies (receive-reply.ts). Each is
 * written straight into a buffer its lane or poller owns, from fragments prepared once: no request
 * object is built, serialised, flattened and encoded per call. Byte for byte what JSON.stringify
 * of the same request makes (test/delete-request.test.ts, test/wire.int.test.ts).
 */
import type { PayloadFactory } from '../payload.js';
import type { SizePicker } from '../workload/sizes.js';
import type { EntryExtras } from '../workload/extras.js';
import { HEAD_ATTRIBUTE, type BodyTemplate } from '../workload/template.js';

/** Bytes JSON adds around an entry beyond its body literal and extras (`{"Id":"9","MessageBody":` …, group ids). */
const ENTRY_OVERHEAD = 48;

/** `{"QueueUrl":"…","Entries":[`: how every *Batch request of a queue starts. */
export function entriesPrefix(queueUrl: string): Buffer {
  return Buffer.from(`{"QueueUrl":${JSON.stringify(queueUrl)},"Entries":[`);
}

export interface ReceiveOptions {
  maxMessages: number;
  waitTimeSeconds: number;
  visibilityTimeout?: number;
}

const SYSTEM_ATTRIBUTES = ['SentTimestamp', 'ApproximateReceiveCount'];

/** A queue's ReceiveMessage: the same bytes on every poll, so it is encoded (and hashed, see wire.ts) once. */
export function receiveRequest(queueUrl: string, o: ReceiveOptions): Buffer {
  return Buffer.from(
    JSON.stringify({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: o.maxMessages,
      WaitTimeSeconds: o.waitTimeSeconds,
      ...(o.visibilityTimeout !== undefined ? { VisibilityTimeout: o.visibilityTimeout } : {}),
      // The receive count tells a redelivery (its visibility timeout ran out) from a first delivery.
      MessageSystemAttributeNames: SYSTEM_ATTRIBUTES,
      // The same names under the older parameter, which SQS still takes beside the new one: a server
      // that knows only it (local-aws-sqs 2.0.2) returned no receive count, and every redelivery of a
      // slow consumer read as a plain duplicate (redelivered 0; test/second-emulator.int.test.ts).
      AttributeNames: SYSTEM_ATTRIBUTES,
      // Only --body-template messages carry it (their head); other replies are unchanged.
      MessageAttributeNames: [HEAD_ATTRIBUTE],
    }),
  );
}

/**
 * A FIFO queue's ReceiveMessage under an attempt id: the queue's fixed request with
 * `ReceiveRequestAttemptId` added (it ends in `}`). Built per poll, FIFO polls only.
 */
export function withAttemptId(request: Buffer, attemptId: string): Buffer {
  return Buffer.concat([request.subarray(0, request.length - 1), Buffer.from(`,"ReceiveRequestAttemptId":${JSON.stringify(attemptId)}}`)]);
}

/** FIFO sends: every entry names its group; its deduplication id too unless the queue dedups by content. */
export interface FifoIds {
  contentDedup: boolean;
  runId: string;
  shard: number;
}

/** SendMessageBatch requests for one worker's queues and bodies. */
export class SendBatchWriter {
  private readonly prefixes: Buffer[];
  private readonly dedupPrefix: string;

  constructor(
    queueUrls: string[],
    private readonly factory: PayloadFactory,
    private readonly fifo?: FifoIds,
    /** Per-message sizes (--message-size ranges); without it every body is the factory's size. */
    private readonly sizes?: SizePicker,
    /** Each entry's attributes and delay, as JSON ('' for none: the default). */
    private readonly extraJson = '',
    /** The most body bytes one request carries (a batch filled by bytes stays under 1 MiB). */
    private readonly maxBatchBodyBytes = Infinity,
    /** --body-file/--body-template: the user's bodies, their head in an attribute. */
    private readonly template?: { bodies: BodyTemplate; extras: EntryExtras },
  ) {
    this.prefixes = queueUrls.map(entriesPrefix);
    this.dedupPrefix = fifo ? `","MessageDeduplicationId":"${fifo.runId}-${fifo.shard}-` : '';
  }

  /** A buffer that holds any request of up to `batchSize` entries (one per lane: a lane has one call in flight). */
  allocate(batchSize: number): Buffer {
    const longestPrefix = Math.max(...this.prefixes.map((p) => p.length));
    const literalEscapes = this.factory.maxLiteralBytes - this.factory.messageSize;
    const bodies = Math.min(batchSize * this.factory.maxLiteralBytes, this.maxBatchBodyBytes + batchSize * literalEscapes);
    return Buffer.allocUnsafe(longestPrefix + bodies + batchSize * (ENTRY_OVERHEAD + this.extraJson.length) + 8);
  }

  /** The request for the `pending` entries (indexes into the batch starting at firstSeq). */
  write(buf: Buffer, queue: number, pending: number[], firstSeq: number, sentAt: number, group?: number): Buffer {
    if (this.template) return this.writeTemplated(queue, pending, firstSeq, sentAt, group);
    let o = this.prefixes[queue].copy(buf, 0);
    for (let k = 0; k < pending.length; k++) {
      const seq = firstSeq + pending[k];
      o += buf.write((k ? ',{"Id":"' : '{"Id":"') + pending[k] + '","MessageBody":', o, 'latin1');
      o = this.factory.writeJsonString(buf, o, seq, sentAt, group, this.sizes?.sizeOf(seq));
      if (group !== undefined) {
        // Never on a standard queue: a MessageGroupId there turns on fair queues.
        o += buf.write(',"MessageGroupId":"g' + group + (this.fifo!.contentDedup ? '"' : this.dedupPrefix + seq + '"'), o, 'latin1');
      }
      if (this.extraJson) o += buf.write(this.extraJson, o, 'utf8');
      o += buf.write('}', o, 'latin1');
    }
    o += buf.write(']}', o, 'latin1');
    return buf.subarray(0, o);
  }

  /** The user's bodies vary in every way, so their requests are built as text: not the default path. */
  private writeTemplated(queue: number, pending: number[], firstSeq: number, sentAt: number, group?: number): Buffer {
    const { bodies, extras } = this.template!;
    const parts: string[] = [];
    for (const i of pending) {
      const seq = firstSeq + i;
      const e = bodies.entryJson(seq, sentAt, group);
      const ids = group === undefined ? '' : ',"MessageGroupId":"g' + group + (this.fifo!.contentDedup ? '"' : this.dedupPrefix + seq + '"');
      const user = extras.attributesInner ? ',' + extras.attributesInner : '';
      parts.push(`{"Id":"${i}","MessageBody":${e.body}${ids}${extras.delayJson}${e.attributes}${user}}}`);
    }
    return Buffer.concat([this.prefixes[queue], Buffer.from(parts.join(',') + ']}')]);
  }
}

/** What JSON.stringify would escape, lone surrogates included; receipt handles normally have none. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * The DeleteMessageBatch request, written into the poller's own buffer (free again once the
 * previous call's reply is in; grown when a batch's handles need more).
 */
export function deleteRequest(poller: { buf: Buffer }, prefix: Buffer, receiptHandles: ReadonlyArray<{ receiptHandle: string }>, pending: number[]): Buffer {
  // Worst case per character: a \u00XX escape (6 bytes).
  let bound = prefix.length + 2;
  for (const i of pending) bound += 40 + 6 * receiptHandles[i].receiptHandle.length;
  if (poller.buf.length < bound) poller.buf = Buffer.allocUnsafe(Math.max(bound, 2 * poller.buf.length));
  const buf = poller.buf;
  let o = prefix.copy(buf, 0);
  for (let k = 0; k < pending.length; k++) {
    const handle = receiptHandles[pending[k]].receiptHandle;
    o += buf.write((k ? ',{"Id":"' : '{"Id":"') + pending[k] + '","ReceiptHandle":', o, 'latin1');
    if (NEEDS_ESCAPE.test(handle)) o += buf.write(JSON.stringify(handle), o, 'utf8');
    else {
      buf[o++] = 0x22;
      o += buf.write(handle, o, 'utf8');
      buf[o++] = 0x22;
    }
    buf[o++] = 0x7d;
  }
  buf[o++] = 0x5d;
  buf[o++] = 0x7d;
  return buf.subarray(0, o);
}
