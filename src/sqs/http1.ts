/**
 * A keep-alive HTTP/1.1 client for the hot path's single request shape: POST with a ready head and
 * body, one exchange at a time per connection, replies with Content-Length, chunked, or
 * read-until-close bodies.
 *
 * Why not node:http: per request it builds a ClientRequest and an IncomingMessage, validates
 * headers, runs two streams and their events, and every socket read allocates a fresh Buffer:
 * more CPU per message than signing and the kernel's copy together (bench/NOTES.md has the
 * profile, and undici's). Here reads, on TCP and TLS alike, land in one static buffer per client
 * (the sockets' `onread`), so a reply allocates nothing: the caller's `parse` reads the bytes
 * synchronously, before the next read can overwrite them. The connection and its reply reader
 * are in http1-connection.ts.
 */
import { OWN_CODES } from './error-codes.js';
import tls from 'node:tls';
import { Connection, HttpError, type Http1Options, type ParseReply, type Pending } from './http1-connection.js';

export { HttpError, type Http1Options, type ParseReply };

const SWEEP_MS = 100;

/** A pool of keep-alive connections to one origin. */
export class Http1Client {
  private readonly idle: Connection[] = [];
  private readonly busy = new Set<Connection>();
  private readonly waiting: Pending[] = [];
  private readonly watched = new WeakSet<AbortSignal>();
  /** Shared by every connection: a read's bytes are consumed before the next read. */
  private readonly readBuffer = Buffer.allocUnsafe(256 * 1024);
  private sweeper: NodeJS.Timeout | undefined;
  private secure: tls.ConnectionOptions | undefined;
  private closed = false;

  constructor(
    private readonly url: URL,
    private readonly options: Http1Options,
  ) {}

  /** Send `head` (request line and headers, ending in a blank line) and `body`. */
  request<T>(head: string, body: Buffer, timeoutMs: number, parse: ParseReply<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(new HttpError(OWN_CODES.aborted, 'client closed'));
      if (signal) {
        if (signal.aborted) return reject(new HttpError(OWN_CODES.aborted, 'stopped before the request was sent'));
        this.watch(signal);
      }
      const p: Pending = {
        head,
        body,
        timeoutMs,
        deadline: 0,
        signal,
        parse: parse as ParseReply<unknown>,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      const conn = this.take();
      if (conn) this.dispatch(conn, p);
      else this.waiting.push(p);
    });
  }

  /** An idle connection young enough, or a new one while under maxSockets. */
  private take(): Connection | undefined {
    while (this.idle.length) {
      const conn = this.idle.pop()!;
      if (!this.tooOld(conn)) return conn;
      conn.destroy();
    }
    return this.busy.size < this.options.maxSockets ? new Connection(this, this.url, this.readBuffer, this.tlsOptions(), this.options) : undefined;
  }

  /**
   * A keep-alive connection is retired at its maximum age, and the request that would have
   * reused it opens a new one, looking the host up again: SQS's addresses change behind its DNS
   * name (deploys, failed hosts), and a load test's sockets would otherwise stay on the old ones
   * for as long as it runs.
   */
  private tooOld(conn: Connection): boolean {
    const max = this.options.maxAgeMs;
    return max !== undefined && max > 0 && performance.now() - conn.born >= max;
  }

  /**
   * TLS options with one secure context for every connection: tls.connect would build a context
   * (certificate store included) per connection, ~0.4 ms of a handshake's 1.5-2 ms here. Built on
   * the first TLS connection, so bad TLS options still reject the request, not the constructor.
   */
  private tlsOptions(): tls.ConnectionOptions | undefined {
    if (this.url.protocol !== 'https:') return undefined;
    this.secure ??= { ...this.options.tls, secureContext: this.options.tls?.secureContext ?? tls.createSecureContext(this.options.tls) };
    return this.secure;
  }

  private dispatch(conn: Connection, p: Pending): void {
    p.deadline = performance.now() + p.timeoutMs;
    this.busy.add(conn);
    conn.send(p);
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS);
  }

  /** Called by a connection when its exchange ends (or it died). */
  release(conn: Connection): void {
    this.busy.delete(conn);
    if (!conn.dead && !this.closed && this.tooOld(conn)) conn.destroy();
    if (!conn.dead && !this.closed) {
      if (!this.idle.includes(conn)) this.idle.push(conn);
    } else {
      const i = this.idle.indexOf(conn);
      if (i >= 0) this.idle.splice(i, 1);
    }
    while (this.waiting.length && !this.closed) {
      const next = this.take();
      if (!next) break;
      this.dispatch(next, this.waiting.shift()!);
    }
    if (this.busy.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private sweep(): void {
    const t = performance.now();
    for (const conn of this.busy) {
      const p = conn.pending;
      if (p && t >= p.deadline) conn.fail(new HttpError('TimeoutError', `no reply within ${p.timeoutMs} ms`));
    }
  }

  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener(
      'abort',
      () => {
        const err = new HttpError(OWN_CODES.aborted, 'stopped before the reply arrived');
        for (const conn of [...this.busy]) if (conn.pending?.signal === signal) conn.fail(err);
        for (let i = this.waiting.length - 1; i >= 0; i--) {
          if (this.waiting[i].signal === signal) this.waiting.splice(i, 1)[0].reject(err);
        }
      },
      { once: true },
    );
  }

  close(): void {
    this.closed = true;
    const err = new HttpError(OWN_CODES.aborted, 'client closed');
    for (const p of this.waiting.splice(0)) p.reject(err);
    for (const conn of [...this.busy]) conn.fail(err);
    for (const conn of this.idle.splice(0)) conn.destroy();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
