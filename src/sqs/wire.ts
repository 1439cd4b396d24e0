/**
 * The lean request path for the three hot SQS actions (SendMessageBatch, ReceiveMessage,
 * DeleteMessageBatch). It speaks the same AWS JSON 1.0 protocol the SDK speaks, uses the SDK's
 * credential chain, signs with a lean SigV4 signer proven equal to the SDK's (sigv4.ts), and takes
 * the request body as a ready buffer:
 * the SDK's generic serializer escapes every character of every 10 KB body in JavaScript, which
 * was most of a plain SDK producer's CPU. Everything that is not hot stays on the SDK (client.ts).
 */
import type { Connection } from '../config.js';
import { SqsError } from '../errors.js';
import { isRetryable, OWN_CODES } from './error-codes.js';
import { credentialProvider, endpointOf } from './credentials.js';
import { Http1Client, type Http1Options } from './http1.js';
import { LeanSigner } from './sigv4.js';

export type HotAction = 'SendMessageBatch' | 'ReceiveMessage' | 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch';

const TARGETS: Record<HotAction, string> = {
  SendMessageBatch: 'AmazonSQS.SendMessageBatch',
  ReceiveMessage: 'AmazonSQS.ReceiveMessage',
  DeleteMessageBatch: 'AmazonSQS.DeleteMessageBatch',
  // Not hot: the --extend-visibility heartbeat of slow consumers.
  ChangeMessageVisibilityBatch: 'AmazonSQS.ChangeMessageVisibilityBatch',
};

/** Turns a 200 reply's bytes into a value; runs while the bytes are valid (see http1.ts). */
export type ReadReply<T> = (body: Buffer) => T;

export interface CallOptions<T> {
  /** Overrides the connection's request timeout (long polls add their wait time). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Reads the reply body; the default parses it as JSON. */
  read?: ReadReply<T>;
  /** The body is a buffer sent unchanged on every call (e.g. a queue's ReceiveMessage): hash it once. */
  fixedBody?: boolean;
}

/** A signed request, ready to go on the wire. */
export interface Prepared {
  readonly head: string;
  readonly payload: Buffer;
}

const readJson = (body: Buffer): unknown => (body.length ? JSON.parse(body.toString('utf8')) : {});

export class SqsWire {
  private readonly http: Http1Client;
  private readonly signer: LeanSigner;

  constructor(
    private readonly conn: Connection,
    maxSockets: number,
    tls?: Http1Options['tls'],
  ) {
    const url = new URL(endpointOf(conn));
    const proxy = conn.proxy ? new URL(conn.proxy) : undefined;
    this.http = new Http1Client(url, { maxSockets, tls, maxAgeMs: conn.maxConnectionAgeMs, proxy });
    this.signer = new LeanSigner(credentialProvider(conn), conn.region, url.host);
  }

  /** POST one action; resolves with the reply (parsed JSON unless `read` says otherwise) or rejects with an SqsError. */
  async call<T = unknown>(action: HotAction, body: string | Buffer, opts: CallOptions<T> = {}): Promise<T> {
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const fixed = opts.fixedBody === true && payload === body;
    const now = Date.now();
    const head = this.signer.headNow(TARGETS[action], payload, now, fixed) ?? (await this.signer.head(TARGETS[action], payload, now, fixed));
    return this.send({ head, payload }, opts);
  }

  /**
   * A signed request made ahead of its moment, or undefined when the credentials must be loaded
   * first (then call() does it). A paced producer builds and signs while it waits for a batch's
   * intended start, so the latency counted from that start holds the wire's time, not ours.
   * The signature's date may then be up to a wait early: SigV4 allows minutes of skew.
   */
  prepare(action: HotAction, payload: Buffer): Prepared | undefined {
    const head = this.signer.headNow(TARGETS[action], payload, Date.now());
    return head === undefined ? undefined : { head, payload };
  }

  /** POST a prepared request; as call(). */
  async send<T = unknown>(prepared: Prepared, opts: CallOptions<T> = {}): Promise<T> {
    const read = (opts.read ?? readJson) as ReadReply<T>;
    try {
      return await this.http.request(prepared.head, prepared.payload, opts.timeoutMs ?? this.conn.requestTimeoutMs, (status, reply, queryError) => {
        if (status !== 200) throw errorFromReply(status, reply.toString('utf8'), queryError);
        try {
          return read(reply);
        } catch {
          throw new SqsError('InvalidResponse', `unparseable reply (${reply.toString('utf8', 0, 80)})`, true, status);
        }
      }, opts.signal);
    } catch (e) {
      if (e instanceof SqsError) throw e;
      throw networkError(e as Error & { code?: string });
    }
  }

  close(): void {
    this.http.close();
  }
}

function networkError(e: Error & { code?: string }): SqsError {
  const code = e.code ?? 'NetworkError';
  return new SqsError(code, e.message, code !== OWN_CODES.aborted);
}

export function errorFromReply(status: number, text: string, queryError?: string | string[]): SqsError {
  let code = '';
  let message = text.slice(0, 200);
  try {
    const parsed = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
    if (parsed.__type) code = parsed.__type.slice(parsed.__type.lastIndexOf('#') + 1);
    message = parsed.message ?? parsed.Message ?? message;
  } catch {
    // Not JSON (a proxy's HTML 503, say): fall back to the header or the status.
  }
  if (!code && typeof queryError === 'string') code = queryError.split(';')[0];
  if (!code) code = `Http${status}`;
  return new SqsError(code, message, isRetryable(code, status), status);
}
