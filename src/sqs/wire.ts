/**
 * The lean request path for the three hot SQS actions (SendMessageBatch, ReceiveMessage,
 * DeleteMessageBatch). It speaks the same AWS JSON 1.0 protocol the SDK speaks, uses the SDK's
 * credential chain, signs with a lean SigV4 signer proven equal to the SDK's (sigv4.ts), and takes
 * the request body as a ready buffer:
 * the SDK's generic serializer escapes every character of every 10 KB body in JavaScript, which
 * was most of a plain SDK producer's CPU. Everything that is not hot stays on the SDK (client.ts).
 */
import http from 'node:http';
import https from 'node:https';
import type { Connection } from '../config.js';
import { SqsError } from '../errors.js';
import { credentialProvider, endpointOf } from './client.js';
import { LeanSigner } from './sigv4.js';

export type HotAction = 'SendMessageBatch' | 'ReceiveMessage' | 'DeleteMessageBatch' | 'GetQueueAttributes';

/** Error names worth another attempt: throttling, server trouble, and the network. */
const RETRYABLE = new Set([
  'ThrottlingException',
  'RequestThrottled',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
  'KmsThrottled',
  'RequestTimeout',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ECONNABORTED',
]);

export function isRetryable(code: string, status = 0): boolean {
  return RETRYABLE.has(code) || status >= 500 || status === 429;
}

export interface CallOptions {
  /** Overrides the connection's request timeout (long polls add their wait time). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class SqsWire {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly url: URL;
  private readonly host: string;
  private readonly signer: LeanSigner;

  constructor(
    private readonly conn: Connection,
    maxSockets: number,
  ) {
    this.url = new URL(endpointOf(conn));
    const secure = this.url.protocol === 'https:';
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets })
      : new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
    this.request = secure ? https.request : http.request;
    this.host = this.url.host;
    this.signer = new LeanSigner(credentialProvider(conn), conn.region, this.host);
  }

  /** POST one action; resolves with the parsed JSON reply or rejects with an SqsError. */
  async call<T = unknown>(action: HotAction, body: string | Buffer, opts: CallOptions = {}): Promise<T> {
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const headers = await this.signer.sign(`AmazonSQS.${action}`, payload);
    return this.post<T>(headers, payload, opts);
  }

  private post<T>(headers: Record<string, string>, payload: Buffer, opts: CallOptions): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.conn.requestTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | null, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(value as T);
      };
      const req = this.request(
        {
          agent: this.agent,
          hostname: this.url.hostname,
          port: this.url.port || undefined,
          method: 'POST',
          path: '/',
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => finish(networkError(e)));
          res.on('end', () => {
            const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status === 200) {
              try {
                finish(null, (text ? JSON.parse(text) : {}) as T);
              } catch {
                finish(new SqsError('InvalidResponse', `unparseable reply (${text.slice(0, 80)})`, true, status));
              }
            } else {
              finish(errorFromReply(status, text, res.headers['x-amzn-query-error']));
            }
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        finish(new SqsError('TimeoutError', `no reply within ${timeoutMs} ms`, true));
      }, timeoutMs);
      const onAbort = () => {
        req.destroy();
        finish(new SqsError('Aborted', 'stopped before the reply arrived', false));
      };
      if (opts.signal) {
        if (opts.signal.aborted) return onAbort();
        opts.signal.addEventListener('abort', onAbort, { once: true });
      }
      req.on('error', (e) => finish(networkError(e)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function networkError(e: Error & { code?: string }): SqsError {
  const code = e.code ?? 'NetworkError';
  return new SqsError(code, e.message, true);
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
