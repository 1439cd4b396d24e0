/**
 * --client sdk: the loops' calls through @aws-sdk/client-sqs itself, for environments the lean
 * path does not cover and as a production SDK client sees SQS. It offers the loops the lean
 * wire's interface (HotWire), so the schedule, lanes, integrity and every count stay the loops'
 * own; only what carries a call changes. The client is the setup client's (same endpoint, region,
 * credentials and proxy: client.ts) in the SDK's standard retry mode with --max-retries, so the
 * SDK retries throttles, 5xx and dropped connections inside a call, and only what it gives up on
 * reaches the batch caller (which may retry again on top, as it does on the lean path).
 *
 * Loaded by a worker only with --client sdk (a dynamic import: worker-kit/open-wire.ts): the SDK
 * costs ~250 ms of CPU per thread to import, which the lean default must not pay.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Connection } from '../config.js';
import { SqsError } from '../errors.js';
import { createSqsClient } from './client.js';
import { errorCodeOf, isRetryable, OWN_CODES } from './error-codes.js';
import { receivedOf } from './receive-reply.js';
import type { CallOptions, HotAction, HotWire, Prepared } from './wire.js';

/** The bodies the loops build are the JSON protocol's, whose member names are the SDK's input names. */
type Input = Record<string, unknown>;

const COMMANDS = {
  SendMessageBatch: SendMessageBatchCommand,
  ReceiveMessage: ReceiveMessageCommand,
  DeleteMessageBatch: DeleteMessageBatchCommand,
  ChangeMessageVisibilityBatch: ChangeMessageVisibilityBatchCommand,
} as const;

export class SdkWire implements HotWire {
  private readonly client: SQSClient;
  /** Bodies sent unchanged on every call (a queue's ReceiveMessage): parsed once. */
  private readonly fixed = new WeakMap<Buffer, Input>();

  constructor(
    private readonly conn: Connection,
    maxSockets: number,
  ) {
    this.client = createSqsClient(conn, maxSockets, true);
  }

  /**
   * One call, the SDK's retries inside it. The loops' request body is parsed into the command's
   * input (the SDK serialises it again, as a production client's would be). A `read` option asks
   * for a ReceiveMessage reply in the drain's shape: the SDK has parsed the reply (and checked
   * each body's MD5, as it does by default), so its messages are turned into that shape.
   */
  async call<T = unknown>(action: HotAction, body: string | Buffer, opts: CallOptions<T> = {}): Promise<T> {
    const input = this.input(body, opts.fixedBody === true);
    // Typed by the action alone: the body is the protocol's JSON of that action's input.
    const Command = COMMANDS[action] as unknown as new (input: Input) => Parameters<SQSClient['send']>[0];
    let output: { Messages?: Parameters<typeof receivedOf>[0][] };
    try {
      output = (await this.client.send(new Command(input), {
        abortSignal: opts.signal,
        requestTimeout: opts.timeoutMs ?? this.conn.requestTimeoutMs,
      })) as typeof output;
    } catch (e) {
      throw sdkError(e, opts.signal);
    }
    if (action === 'ReceiveMessage' && opts.read) return (output.Messages ?? []).map(receivedOf) as T;
    return output as T;
  }

  private input(body: string | Buffer, fixed: boolean): Input {
    if (typeof body === 'string') return JSON.parse(body) as Input;
    let input = fixed ? this.fixed.get(body) : undefined;
    if (!input) {
      input = JSON.parse(body.toString('utf8')) as Input;
      if (fixed) this.fixed.set(body, input);
    }
    return input;
  }

  /** Nothing is done ahead here: the SDK serialises and signs inside its call. */
  readonly preparesAhead = false;

  prepare(): undefined {
    return undefined;
  }

  /** Not reached while prepare() gives nothing; a request prepared elsewhere is still sent, by its action. */
  send<T = unknown>(prepared: Prepared, opts: CallOptions<T> = {}): Promise<T> {
    return this.call<T>(prepared.target.slice(prepared.target.indexOf('.') + 1) as HotAction, prepared.payload, opts);
  }

  close(): void {
    this.client.destroy();
  }
}

/**
 * What the SDK threw, as the loops' SqsError: a service error by its name (the JSON protocol's
 * code, as the lean wire reads it from `__type`), a network error by Node's code, a cut call as
 * Aborted (the drain ends a poll on that), and the SDK's MD5 refusal under our MD5 code.
 */
export function sdkError(e: unknown, signal?: AbortSignal): SqsError {
  const err = e as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const message = String(err?.message ?? e);
  if (signal?.aborted) return new SqsError(OWN_CODES.aborted, message, false);
  const status = err?.$metadata?.httpStatusCode ?? 0;
  if (err?.$fault && err.name) return new SqsError(err.name, message, isRetryable(err.name, status), status);
  // The SDK's own check of the MD5s SQS returned: the reply cannot be trusted, and sending again would only repeat it.
  if (message.startsWith('Invalid MD5 checksum') || message === 'InvalidChecksumError') return new SqsError(OWN_CODES.md5Mismatch, message, false);
  const code = errorCodeOf(e);
  return new SqsError(code === 'Error' ? OWN_CODES.unknown : code, message, isRetryable(code, status), status);
}
