/**
 * The producer's workload flags: --message-size (one size, a range or weights),
 * --message-attributes and --delay-seconds, checked together against SQS's limits.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { MAX_ATTRIBUTES, MAX_DELAY_SECONDS, entryExtras } from '../workload/extras.js';
import { parseGroupPattern } from '../workload/groups.js';
import { largestSize, parseSizeSpec, type SizeSpec } from '../workload/sizes.js';
import { intArg, stringArg, type RawArgs } from './args.js';

export interface ProducerWorkload {
  /** The largest body (the one size, when there is one). */
  messageSize: number;
  /** Set when sizes vary; batches are then filled by bytes. */
  sizes?: SizeSpec;
  attributes: number;
  delaySeconds: number;
  /** --body-file/--body-template text: the user's bodies, their head in the sqs-blast attribute. */
  bodyTemplate?: string;
  /** FIFO --group-pattern hot:P: the share of batches sent to the hot group. */
  hotShare?: number;
}

/** The head attribute (~200 bytes) and room for the placeholders' values, kept free of 1 MiB. */
const TEMPLATE_HEADROOM = 4096;

/** --body-file FILE or --body-template TEXT: the user's body (one of them, and not with --message-size). */
function resolveBodyTemplate(args: RawArgs, maxBody: number): string | undefined {
  const file = stringArg(args, 'bodyFile');
  const text = stringArg(args, 'bodyTemplate');
  if (file === undefined && text === undefined) return undefined;
  if (file !== undefined && text !== undefined) throw new UsageError('give the body one way: --body-file FILE or --body-template TEXT, not both');
  if (args.messageSize !== undefined) throw new UsageError('--message-size does not apply to your own bodies (--body-file/--body-template): drop --message-size');
  let template = text;
  if (file !== undefined) {
    try {
      template = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--body-file ${JSON.stringify(file)} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); give a readable file`);
    }
  }
  const flag = file !== undefined ? '--body-file' : '--body-template';
  if (!template) throw new UsageError(`${flag} is empty; SQS needs a body of at least one character`);
  if (Buffer.byteLength(template) + TEMPLATE_HEADROOM > maxBody) {
    throw new UsageError(`${flag} is ${Buffer.byteLength(template)} bytes; with its integrity attribute a message must stay under 1 MiB (1048576 bytes): use a smaller body`);
  }
  return template;
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
  const bodyTemplate = resolveBodyTemplate(args, maxBody);
  if (bodyTemplate !== undefined) return { messageSize: defaultSize, attributes, delaySeconds, bodyTemplate };
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

/** FIFO queues refuse a per-message delay (only the queue's own DelaySeconds applies); --group-pattern is FIFO's. */
export function checkFifoWorkload(w: (ProducerWorkload & { workers: number }) | undefined, fifo: boolean, args: RawArgs): void {
  const pattern = stringArg(args, 'groupPattern');
  if (w && pattern !== undefined) {
    if (!fifo) throw new UsageError('--group-pattern is for FIFO queues: add --fifo (or give .fifo queue URLs), or drop --group-pattern');
    const p = parseGroupPattern(pattern);
    if (p.kind === 'hot') {
      w.hotShare = p.share;
      // The hot group's lock is one thread's.
      w.workers = 1;
    }
  }
  if (w?.bodyTemplate !== undefined && w.attributes > 9) {
    throw new UsageError('--message-attributes: your own bodies carry their integrity in one attribute of the 10 SQS allows, so give at most 9');
  }
  if (fifo && w && w.delaySeconds > 0) {
    throw new UsageError('--delay-seconds is not allowed on FIFO queues (SQS delays FIFO messages per queue only): drop --delay-seconds, or use standard queues');
  }
}
