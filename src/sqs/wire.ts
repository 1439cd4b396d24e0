/**
 * The lean request path for the three hot SQS actions (SendMessageBatch, ReceiveMessage,
 * DeleteMessageBatch). It speaks the same AWS JSON 1.0 protocol the SDK speaks, uses the SDK's
 * credential chain, signs with a lean SigV4 signer proven equal to the SDK's (sigv4.ts), and takes
 * the request body as a ready buffer:
 * the SDK's generic serializer escapes every character of every 10 KB body in JavaScript, which
 * was most of a plain SDK producer's CPU. Everything that is not hot stays on the SDK (client.ts).
 */
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Connection } from '../config.js';
import { SqsError } from '../errors.js';
import { correctedOffset, LocalClockOffset, type ClockOffset } from './clock-offset.js';
import { errorNameOfQueryCode, isCredentialsExpired, isRetryableReply, OWN_CODES } from './error-codes.js';
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
  /** What a refused request is signed again from (see SqsWire#recover). */
  readonly target: string;
  readonly fixed: boolean;
  /** The moment it was signed for: Date.now() plus the clock offset then. */
  readonly signedAt: number;
  readonly identity: AwsCredentialIdentity | undefined;
}

/** What a run hands the wire beyond the connection. */
export interface WireHooks {
  /** The clock offset every thread of the process signs with (one slot of shared memory in a run). */
  clock?: ClockOffset;
  /** The credentials were refreshed (to count them). */
  onRefresh?: () => void;
  /** A refusal the wire recovered from by itself (a skewed clock, expired credentials): the call was signed again and retried. */
  onRecovered?: (code: string) => void;
}

/**
 * What the send and drain loops call, whatever carries it: this lean wire, or the SDK's
 * (sdk-wire.ts, --client sdk). Bodies are the JSON protocol's request bodies either way.
 */
export interface HotWire {
  call<T = unknown>(action: HotAction, body: string | Buffer, opts?: CallOptions<T>): Promise<T>;
  /** Whether prepare() can do part of a call ahead of its moment (the lean wire signs; the SDK signs inside its call). */
  readonly preparesAhead: boolean;
  /** Undefined when there is nothing to do ahead of the call (then call() does it all). */
  prepare(action: HotAction, payload: Buffer): Prepared | undefined;
  send<T = unknown>(prepared: Prepared, opts?: CallOptions<T>): Promise<T>;
  close(): void;
}

const readJson = (body: Buffer): unknown => (body.length ? JSON.parse(body.toString('utf8')) : {});

/**
 * What the wire speaks: SQS's AWS JSON 1.0 (the default), or another service's shape on the same
 * HTTP client and signer (sns/query.ts: SNS's awsQuery PublishBatch). `target` names the call
 * as the signer takes it; `error` reads a refusal.
 */
export interface WireProtocol {
  service: string;
  shape: 'json' | 'query';
  target(action: HotAction): string;
  error(status: number, text: string, queryError: string | string[] | undefined, serverDate: string | undefined, errorType: string | undefined): SqsError;
}

const SQS_JSON: WireProtocol = {
  service: 'sqs',
  shape: 'json',
  target: (action) => TARGETS[action],
  error: (status, text, queryError, date, errorType) => errorFromReply(status, text, queryError, date, errorType),
};

export class SqsWire implements HotWire {
  readonly preparesAhead = true;
  private readonly http: Http1Client;
  private readonly signer: LeanSigner;
  private readonly clock: ClockOffset;

  constructor(
    private readonly conn: Connection,
    maxSockets: number,
    tls?: Http1Options['tls'],
    private readonly hooks: WireHooks = {},
    private readonly protocol: WireProtocol = SQS_JSON,
  ) {
    const url = new URL(endpointOf(conn));
    const proxy = conn.proxy ? new URL(conn.proxy) : undefined;
    this.http = new Http1Client(url, { maxSockets, tls, maxAgeMs: conn.maxConnectionAgeMs, proxy });
    this.signer = new LeanSigner(credentialProvider(conn), conn.region, url.host, protocol.service, protocol.shape);
    this.signer.onRefresh = hooks.onRefresh;
    this.clock = hooks.clock ?? new LocalClockOffset();
  }

  /** The moment to sign for: the server's time as far as we know it. */
  private now(): number {
    return Date.now() + this.clock.get();
  }

  /** POST one action; resolves with the reply (parsed JSON unless `read` says otherwise) or rejects with an SqsError. */
  async call<T = unknown>(action: HotAction, body: string | Buffer, opts: CallOptions<T> = {}): Promise<T> {
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const fixed = opts.fixedBody === true && payload === body;
    const target = this.protocol.target(action);
    return this.send(this.signNow(target, payload, fixed) ?? (await this.signLoading(target, payload, fixed)), opts);
  }

  /** Signed at once, or undefined when the credentials must be (re)loaded first (signLoading). */
  private signNow(target: string, payload: Buffer, fixed: boolean): Prepared | undefined {
    const signedAt = this.now();
    const head = this.signer.headNow(target, payload, signedAt, fixed);
    return head === undefined ? undefined : { head, payload, target, fixed, signedAt, identity: this.signer.lastSigned };
  }

  private async signLoading(target: string, payload: Buffer, fixed: boolean): Promise<Prepared> {
    const identity = await this.signer.credentials(this.now());
    const signedAt = this.now();
    return { head: this.signer.build(identity, target, payload, signedAt, fixed), payload, target, fixed, signedAt, identity };
  }

  /**
   * A signed request made ahead of its moment, or undefined when the credentials must be loaded
   * first (then call() does it). A paced producer builds and signs while it waits for a batch's
   * intended start, so the latency counted from that start holds the wire's time, not ours.
   * The signature's date may then be up to a wait early: SigV4 allows minutes of skew.
   */
  prepare(action: HotAction, payload: Buffer): Prepared | undefined {
    return this.signNow(this.protocol.target(action), payload, false);
  }

  /**
   * POST a prepared request; as call(). A request refused for the signer's clock or for expired
   * credentials is signed again, once, after the wire corrected the clock or renewed the
   * credentials (recover): as the SDK does, and not a failed call. Any other refusal, or a second
   * one, is the caller's to handle.
   */
  async send<T = unknown>(prepared: Prepared, opts: CallOptions<T> = {}, retried = false): Promise<T> {
    const read = (opts.read ?? readJson) as ReadReply<T>;
    try {
      return await this.http.request(prepared.head, prepared.payload, opts.timeoutMs ?? this.conn.requestTimeoutMs, (status, reply, queryError, date, errorType) => {
        if (status !== 200) throw this.protocol.error(status, reply.toString('utf8'), queryError, date, errorType);
        try {
          return read(reply);
        } catch {
          // A whole 200 reply that does not parse: the server did the work, so (as the SDK) not retried.
          throw new SqsError('InvalidResponse', `unparseable reply (${reply.toString('utf8', 0, 80)})`, isRetryableReply('InvalidResponse', status), status);
        }
      }, opts.signal);
    } catch (e) {
      if (!(e instanceof SqsError)) throw networkError(e as Error & { code?: string });
      const again = !retried && e.status >= 400 && e.status < 500 ? await this.recover(e, prepared) : undefined;
      if (!again) throw e;
      this.hooks.onRecovered?.(e.code);
      return this.send(again, opts, true);
    }
  }

  /** The request signed anew when its refusal was of our clock or of expired credentials and both are now put right; else undefined. */
  private async recover(e: SqsError, p: Prepared): Promise<Prepared | undefined> {
    const offset = correctedOffset(e.code, e.serverDate, p.signedAt, Date.now(), this.clock.get());
    if (offset !== undefined) {
      if (offset !== this.clock.get()) this.clock.set(offset);
    } else if (!(isCredentialsExpired(e.code) && p.identity && (await this.signer.renew(p.identity)))) return undefined;
    return this.signNow(p.target, p.payload, p.fixed) ?? (await this.signLoading(p.target, p.payload, p.fixed));
  }

  close(): void {
    this.http.close();
  }
}

function networkError(e: Error & { code?: string }): SqsError {
  const code = e.code ?? 'NetworkError';
  return new SqsError(code, e.message, code !== OWN_CODES.aborted);
}

/**
 * An error reply as the SDK reads it. SQS speaks AWS JSON 1.0 and is query-compatible, so the
 * SDK (@aws-sdk/core AwsJsonRpcProtocol, @smithy/core loadErrorCode) takes the first of: the
 * x-amzn-query-error header's code, a `code` field of the body (any case), the x-amzn-ErrorType
 * header, the body's __type; cuts it to a name (sanitizeErrorCode: before a ',' or ':', after a
 * '#'); and names a query code SQS models by its error (NonExistentQueue: QueueDoesNotExist).
 * When nothing names the error (an empty 503, a proxy's HTML page) the SDK says Unknown or
 * SyntaxError; here it is the status (Http503), which says more in a run's error counts.
 * Whether it is retried is the SDK's decision too (isRetryableReply). test/conformance.test.ts
 * holds a corpus of replies both must read alike.
 */
export function errorFromReply(status: number, text: string, queryError?: string | string[], serverDate?: string, errorType?: string): SqsError {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = text.length ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML 502, a cut body): the headers or the status name it.
  }
  const header = typeof queryError === 'string' ? queryError : queryError?.[0];
  const codeKey = Object.keys(body).find((k) => k.toLowerCase() === 'code');
  const raw = header?.split(';')[0] || (codeKey !== undefined && body[codeKey] != null ? String(body[codeKey]) : undefined) || errorType || (typeof body.__type === 'string' ? body.__type : undefined);
  const code = raw ? errorNameOfQueryCode(sanitizeErrorCode(raw)) : `Http${status}`;
  const said = body.message ?? body.Message;
  const message = typeof said === 'string' ? said : text.slice(0, 200);
  return new SqsError(code, message, isRetryableReply(code, status, message), status, serverDate);
}

/** As @smithy/core's sanitizeErrorCode: `ns#Name:uri,…` is Name. */
function sanitizeErrorCode(raw: string): string {
  let code = raw.split(',')[0].split(':')[0];
  const hash = code.indexOf('#');
  if (hash >= 0) code = code.slice(hash + 1);
  return code;
}
