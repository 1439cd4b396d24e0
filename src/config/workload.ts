/**
 * The producer's workload flags: --message-size (one size, a range or weights),
 * --message-attributes and --delay-seconds, checked together against SQS's limits.
 */
import { UsageError } from '../errors.js';
import { MAX_ATTRIBUTES, MAX_DELAY_SECONDS, entryExtras } from '../workload/extras.js';
import { largestSize, parseSizeSpec, type SizeSpec } from '../workload/sizes.js';
import { intArg, type RawArgs } from './args.js';

export interface ProducerWorkload {
  /** The largest body (the one size, when there is one). */
  messageSize: number;
  /** Set when sizes vary; batches are then filled by bytes. */
  sizes?: SizeSpec;
  attributes: number;
  delaySeconds: number;
}

export function resolveProducerWorkload(
  args: RawArgs,
  batchSize: number,
  limits: { minMessageBytes: number; maxMessageBytes: number; maxBatchBytes: number },
  defaultSize: number,
): ProducerWorkload {
  const attributes = intArg(args, 'messageAttributes', 0, MAX_ATTRIBUTES, `SQS takes at most ${MAX_ATTRIBUTES} attributes per message`) ?? 0;
  const delaySeconds = intArg(args, 'delaySeconds', 0, MAX_DELAY_SECONDS, 'SQS delays a message 0 to 900 seconds') ?? 0;
  const { attributeBytes } = entryExtras(attributes, delaySeconds);
  // SQS counts attributes into the message size: the body gets what is left of 1 MiB.
  const maxBody = limits.maxMessageBytes - attributeBytes;
  const raw = args.messageSize;
  const spec: SizeSpec = raw === undefined ? { kind: 'fixed', bytes: defaultSize } : parseSizeSpec(raw, '--message-size (env SQS_BLAST_MESSAGE_SIZE)', limits.minMessageBytes, maxBody);
  const messageSize = largestSize(spec);
  if (spec.kind === 'fixed' && batchSize * (messageSize + attributeBytes) > limits.maxBatchBytes) {
    throw new UsageError(
      `--batch-size ${batchSize} x --message-size ${messageSize}${attributeBytes ? ` (+${attributeBytes} attribute bytes)` : ''} is over the 1 MiB SendMessageBatch limit; lower one of them`,
    );
  }
  return { messageSize, sizes: spec.kind === 'fixed' ? undefined : spec, attributes, delaySeconds };
}

/** FIFO queues refuse a per-message delay (only the queue's own DelaySeconds applies). */
export function checkFifoWorkload(w: ProducerWorkload | undefined, fifo: boolean): void {
  if (fifo && w && w.delaySeconds > 0) {
    throw new UsageError('--delay-seconds is not allowed on FIFO queues (SQS delays FIFO messages per queue only): drop --delay-seconds, or use standard queues');
  }
}
