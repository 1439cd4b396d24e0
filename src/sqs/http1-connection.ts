/**
 * One connection of the hot path's HTTP/1.1 client (http1.ts has the pool and the why): its
 * socket, and a reader of the reply's bytes that allocates nothing per reply on plain TCP.
 */
import net from 'node:net';
import tls from 'node:tls';
import { bytesAre, CLOSE, CONNECTION, CONTENT_LENGTH, CRLF, CRLFCRLF, DATE, digitsAt, ERROR_TYPE, HTTP_1, isBlank, QUERY_ERROR, TRANSFER_ENCODING } from './http1-bytes.js';

/**
 * Reads the reply while its bytes are valid; whatever it returns resolves the request. `date` is
 * the Date header of an error reply (not read on success: the hot path needs the server's clock
 * only when it refused a signature's time); `errorType`, its x-amzn-ErrorType header (where AWS
 * front ends name an error whose body names none; the SDK reads it too).
 */
export type ParseReply<T> = (status: number, body: Buffer, queryError: string | undefined, date: string | undefined, errorType: string | undefined) => T;

export interface Http1Options {
  maxSockets: number;
  /** Extra TLS options (tests pass a CA). */
  tls?: tls.ConnectionOptions;
  /** Retire a keep-alive connection once it is this old (0 or undefined: never); see Http1Client. */
  maxAgeMs?: number;
  /**
   * An http:// proxy (userinfo, if any, becomes Proxy-Authorization): https endpoints are reached
   * through a CONNECT tunnel, http ones by absolute-form requests. Whether to use it (NO_PROXY) was
   * decided by the caller (proxy-env.ts).
   */
  proxy?: URL;
  /** The DNS lookup for the endpoint's (or the proxy's) host; tests count its calls. */
  lookup?: net.LookupFunction;
}

export class HttpError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Pending {
  head: string;
  body: Buffer;
  deadline: number;
  timeoutMs: number;
  signal?: AbortSignal;
  parse: ParseReply<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

const enum State {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
}

const MAX_HEAD = 64 * 1024;
/** A reply body buffer that grew past this is dropped after use instead of kept per connection. */
const KEEP_BODY_BYTES = 2 * 1024 * 1024;
/** Request bodies up to this size are sent in one buffer with their head (see send). */
const JOIN_BELOW = 8 * 1024;

/** Where a connection hands itself back when its exchange ends (or it died): the pool. */
export interface ConnectionOwner {
  release(conn: Connection): void;
}

/** Basic credentials for a proxy URL's userinfo, as a header line ('' without). */
function proxyAuthorization(proxy: URL): string {
  if (!proxy.username && !proxy.password) return '';
  const pair = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `proxy-authorization: Basic ${Buffer.from(pair).toString('base64')}\r\n`;
}

/** One keep-alive socket: sends a request, reads its reply (head, then a sized, chunked or until-close body). */
export class Connection {
  socket: net.Socket;
  /** When it was opened (performance.now()), for the pool's maximum age. */
  readonly born = performance.now();
  pending: Pending | null = null;
  writeDone = true;
  dead = false;
  private state = State.Head;
  private head = Buffer.allocUnsafe(2048);
  private headLen = 0;
  private status = 0;
  private contentLength = -1;
  private chunked = false;
  private closeAfter = false;
  private queryError: string | undefined;
  private date: string | undefined;
  private errorType: string | undefined;
  private body: Buffer = Buffer.allocUnsafe(0);
  private bodyLen = 0;
  private chunkLeft = 0;
  private line = '';
  private error: (Error & { code?: string }) | undefined;
  /** Through an http proxy to an http endpoint: the request line (and proxy credentials) each request starts with. */
  private absoluteForm: string | undefined;
  /** A CONNECT tunnel not yet established: the request waits for it. */
  private tunnelling = false;

  constructor(
    private readonly owner: ConnectionOwner,
    url: URL,
    readBuffer: Buffer,
    tlsOptions: tls.ConnectionOptions | undefined,
    options: Pick<Http1Options, 'proxy' | 'lookup'> = {},
  ) {
    const https = url.protocol === 'https:';
    const port = Number(url.port) || (https ? 443 : 80);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const proxy = options.proxy;
    // Reads land in the pool's static buffer, over TLS too (decrypted records, up to 16 KB each):
    // a reply allocates nothing, and the caller's `parse` reads the bytes synchronously, before
    // the next read can overwrite them. Data events instead cost a Buffer per read, measured at
    // 3-5 µs per message of a TLS drain (bench/NOTES.md).
    const onread = { buffer: readBuffer, callback: (n: number, buf: Uint8Array) => (this.onData(buf as Buffer, 0, n), true) };
    const to = proxy ? { host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port) || 80 } : { host, port };
    const lookup = options.lookup ? { lookup: options.lookup } : {};
    // (tls.connect takes `onread` as net.connect does, documented since Node 15; @types/node 20 omits it.)
    const secure: tls.ConnectionOptions = { servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'], onread, ...tlsOptions } as tls.ConnectionOptions;
    if (proxy && https) {
      // CONNECT first, on a plain socket read with data events; TLS then runs inside the tunnel.
      this.socket = net.connect({ ...to, ...lookup });
      this.tunnelling = true;
      this.tunnel(this.socket, host, `${net.isIPv6(host) ? `[${host}]` : host}:${port}`, proxyAuthorization(proxy), secure, proxy);
    } else {
      if (proxy) this.absoluteForm = `POST http://${url.host}/ HTTP/1.1\r\n${proxyAuthorization(proxy)}`;
      this.socket = https ? tls.connect({ ...secure, ...to, ...lookup }) : net.connect({ ...to, ...lookup, onread });
    }
    this.watch(this.socket);
  }

  private watch(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    socket.on('error', (e) => (this.error = e));
    socket.on('close', () => this.onClose());
  }

  /** Ask the proxy for a tunnel to `authority`; once it answers 200, start TLS inside it and send what waits. */
  private tunnel(raw: net.Socket, host: string, authority: string, auth: string, secure: tls.ConnectionOptions, proxy: URL): void {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf(CRLFCRLF);
      if (end < 0) {
        if (got.length > MAX_HEAD) this.fail(new HttpError('ProxyError', `proxy ${proxy.host}: CONNECT reply headers over 64 KB`));
        return;
      }
      raw.off('data', onData);
      const statusLine = got.toString('latin1', 0, got.indexOf(CRLF));
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
      if (status !== '200' || end + 4 !== got.length) {
        this.fail(new HttpError('ProxyError', `proxy ${proxy.host} answered "${statusLine.slice(0, 80)}" to CONNECT ${authority}`));
        return;
      }
      if (this.dead) return;
      // `host` for the certificate check: without it tls takes the proxy's host from the socket.
      // Over a given socket tls ignores `onread` (Node 20), so tunnelled replies come as data
      // events: a Buffer per read, paid only through a proxy.
      this.socket = tls.connect({ ...secure, host, socket: raw });
      this.socket.on('data', (chunk: Buffer) => this.onData(chunk, 0, chunk.length));
      this.watch(this.socket);
      this.tunnelling = false;
      if (this.pending) this.write(this.pending);
    };
    raw.on('data', onData);
    raw.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n${auth}\r\n`, 'latin1');
  }

  send(p: Pending): void {
    this.pending = p;
    this.resetReply();
    this.writeDone = false;
    if (!this.tunnelling) this.write(p);
  }

  private write(p: Pending): void {
    const s = this.socket;
    // The signed head is for `POST /`; a proxy wants the absolute URL in the request line (the
    // host header, which is signed, stays as it is).
    const head = this.absoluteForm === undefined ? p.head : this.absoluteForm + p.head.slice(p.head.indexOf('\r\n') + 2);
    const onWritten = () => (this.writeDone = true);
    if (p.body.length <= JOIN_BELOW) {
      // One small buffer (from Node's pool) is one plain write; head and body corked as two
      // chunks take the writev path, which costs more than copying a few KB.
      const out = Buffer.allocUnsafe(head.length + p.body.length);
      out.write(head, 0, 'latin1');
      p.body.copy(out, head.length);
      s.write(out, onWritten);
      return;
    }
    s.cork();
    s.write(head, 'latin1');
    s.write(p.body, onWritten);
    s.uncork();
  }

  private resetReply(): void {
    this.state = State.Head;
    this.headLen = 0;
    this.status = 0;
    this.contentLength = -1;
    this.chunked = false;
    this.closeAfter = false;
    this.queryError = undefined;
    this.date = undefined;
    this.errorType = undefined;
    this.bodyLen = 0;
  }

  private onData(buf: Buffer, start: number, end: number): void {
    if (!this.pending) {
      // Bytes nobody asked for: the connection is out of step; never reuse it.
      this.fail(new HttpError('InvalidResponse', 'unexpected bytes on an idle connection'));
      return;
    }
    // Completing a reply may hand this connection the next request at once: stop at the
    // boundary, since bytes past a reply's end belong to no request we sent.
    const current = this.pending;
    let pos = start;
    try {
      while (pos < end && this.pending === current) pos = this.step(buf, pos, end);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    if (pos < end && !this.dead) this.fail(new HttpError('InvalidResponse', 'bytes after the end of a reply'));
  }

  /** Consume bytes from pos for the current state; returns the new position. */
  private step(buf: Buffer, pos: number, end: number): number {
    switch (this.state) {
      case State.Head: {
        if (this.headLen === 0) {
          // Usually the whole head is in this read: find its end in place (bounded by `end`,
          // since a static buffer holds stale bytes past it).
          const at = buf.indexOf(CRLFCRLF, pos);
          if (at >= 0 && at + 4 <= end) {
            this.readHead(buf, pos, at);
            return at + 4;
          }
        }
        const take = Math.min(end - pos, MAX_HEAD - this.headLen);
        if (take <= 0) throw new HttpError('InvalidResponse', 'reply headers over 64 KB');
        if (this.headLen + take > this.head.length) {
          const bigger = Buffer.allocUnsafe(Math.min(MAX_HEAD, Math.max(this.headLen + take, this.head.length * 2)));
          this.head.copy(bigger, 0, 0, this.headLen);
          this.head = bigger;
        }
        const from = Math.max(0, this.headLen - 3);
        buf.copy(this.head, this.headLen, pos, pos + take);
        const total = this.headLen + take;
        const at = this.head.subarray(0, total).indexOf(CRLFCRLF, from);
        if (at < 0) {
          this.headLen = total;
          return pos + take;
        }
        const used = at + 4 - this.headLen;
        this.headLen = 0;
        this.readHead(this.head, 0, at);
        return pos + used;
      }
      case State.Body: {
        const want = this.contentLength - this.bodyLen;
        const have = end - pos;
        if (this.bodyLen === 0 && have >= want) {
          // The whole body is in this read: parse it where it lies.
          this.complete(buf.subarray(pos, pos + want));
          return pos + want;
        }
        const take = Math.min(want, have);
        this.append(buf, pos, pos + take);
        if (this.bodyLen === this.contentLength) this.complete(this.body.subarray(0, this.bodyLen));
        return pos + take;
      }
      case State.UntilClose:
        this.append(buf, pos, end);
        return end;
      case State.ChunkSize:
      case State.ChunkEnd:
      case State.Trailers: {
        const nl = buf.indexOf(10, pos);
        const stop = nl < 0 || nl >= end ? end : nl + 1;
        this.line += buf.toString('latin1', pos, stop);
        if (stop === end && (nl < 0 || nl >= end)) {
          if (this.line.length > 4096) throw new HttpError('InvalidResponse', 'chunk line too long');
          return end;
        }
        const line = this.line.trim();
        this.line = '';
        if (this.state === State.ChunkEnd) {
          if (line !== '') throw new HttpError('InvalidResponse', 'chunk not followed by CRLF');
          this.state = State.ChunkSize;
        } else if (this.state === State.Trailers) {
          if (line === '') this.complete(this.body.subarray(0, this.bodyLen));
        } else {
          const size = parseInt(line.split(';')[0], 16);
          if (!Number.isFinite(size) || size < 0) throw new HttpError('InvalidResponse', `bad chunk size "${line.slice(0, 20)}"`);
          if (size === 0) this.state = State.Trailers;
          else {
            this.chunkLeft = size;
            this.reserve(this.bodyLen + size);
            this.state = State.ChunkData;
          }
        }
        return stop;
      }
      case State.ChunkData: {
        const take = Math.min(this.chunkLeft, end - pos);
        this.append(buf, pos, pos + take);
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) this.state = State.ChunkEnd;
        return pos + take;
      }
    }
  }

  /** Reads the status and the headers that matter from the bytes in place (no strings for the rest). */
  private readHead(buf: Buffer, start: number, end: number): void {
    let lineEnd = buf.indexOf(CRLF, start);
    if (lineEnd < 0 || lineEnd > end) lineEnd = end;
    const versionOk = lineEnd - start >= 12 && bytesAre(buf, start, start + 7, HTTP_1) && (buf[start + 7] === 0x30 || buf[start + 7] === 0x31) && buf[start + 8] === 0x20;
    const status = versionOk ? digitsAt(buf, start + 9, start + 12) : -1;
    if (status < 0) throw new HttpError('InvalidResponse', `not an HTTP/1.1 reply ("${buf.toString('latin1', start, Math.min(lineEnd, start + 40))}")`);
    this.status = status;
    let close = buf[start + 7] === 0x30;
    // One pass over the header lines in JavaScript: a head is a few hundred bytes, and two
    // Buffer#indexOf calls per line cost more than looking at each byte.
    for (let pos = lineEnd + 2; pos < end; ) {
      let colon = -1;
      let eol = pos;
      while (eol < end && buf[eol] !== 0x0d) {
        if (colon < 0 && buf[eol] === 0x3a) colon = eol;
        eol++;
      }
      if (colon > pos) {
        let ns = pos;
        let ne = colon;
        let vs = colon + 1;
        let ve = eol;
        while (ns < ne && isBlank(buf[ns])) ns++;
        while (ne > ns && isBlank(buf[ne - 1])) ne--;
        while (vs < ve && isBlank(buf[vs])) vs++;
        while (ve > vs && isBlank(buf[ve - 1])) ve--;
        if (bytesAre(buf, ns, ne, CONTENT_LENGTH)) {
          const n = digitsAt(buf, vs, ve);
          this.contentLength = n >= 0 ? n : Number(buf.toString('latin1', vs, ve));
        } else if (bytesAre(buf, ns, ne, TRANSFER_ENCODING)) this.chunked = buf.toString('latin1', vs, ve).toLowerCase().includes('chunked');
        else if (bytesAre(buf, ns, ne, CONNECTION)) close = bytesAre(buf, vs, ve, CLOSE);
        else if (bytesAre(buf, ns, ne, QUERY_ERROR)) this.queryError = buf.toString('latin1', vs, ve);
        else if (status >= 300 && bytesAre(buf, ns, ne, DATE)) this.date = buf.toString('latin1', vs, ve);
        else if (status >= 300 && bytesAre(buf, ns, ne, ERROR_TYPE)) this.errorType = buf.toString('latin1', vs, ve);
      }
      pos = eol + 2;
    }
    this.closeAfter = close;
    if (this.status >= 100 && this.status < 200) {
      // An interim reply (100 Continue): the real one follows.
      this.resetReply();
      return;
    }
    if (this.chunked) this.state = State.ChunkSize;
    else if (this.contentLength >= 0) {
      if (!Number.isSafeInteger(this.contentLength)) throw new HttpError('InvalidResponse', 'bad content-length');
      this.state = State.Body;
      if (this.contentLength === 0) this.complete(this.body.subarray(0, 0));
      else this.reserve(this.contentLength);
    } else {
      this.state = State.UntilClose;
      this.closeAfter = true;
    }
  }

  private reserve(bytes: number): void {
    if (bytes <= this.body.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(bytes, Math.min(this.body.length * 2, KEEP_BODY_BYTES)));
    this.body.copy(bigger, 0, 0, this.bodyLen);
    this.body = bigger;
  }

  private append(buf: Buffer, from: number, to: number): void {
    this.reserve(this.bodyLen + (to - from));
    buf.copy(this.body, this.bodyLen, from, to);
    this.bodyLen += to - from;
  }

  private complete(body: Buffer): void {
    const p = this.pending!;
    this.pending = null;
    let value: unknown;
    let error: Error | undefined;
    try {
      value = p.parse(this.status, body, this.queryError, this.date, this.errorType);
    } catch (e) {
      error = e as Error;
    }
    if (this.body.length > KEEP_BODY_BYTES) this.body = Buffer.allocUnsafe(0);
    // An error reply can come before the request was fully written, leaving the connection out
    // of step (and the caller's buffer still being sent): retire it, as when the server says it
    // will close. A success means the server read the whole request.
    if (this.closeAfter || (!this.writeDone && (this.status < 200 || this.status >= 300))) this.destroy();
    this.owner.release(this);
    if (error) p.reject(error);
    else p.resolve(value);
  }

  /** Fail the exchange in flight (if any) and retire the connection. */
  fail(err: Error): void {
    const p = this.pending;
    this.pending = null;
    this.destroy();
    this.owner.release(this);
    p?.reject(err);
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
  }

  private onClose(): void {
    const wasDead = this.dead;
    this.dead = true;
    if (this.pending) {
      if (this.state === State.UntilClose) return this.complete(this.body.subarray(0, this.bodyLen));
      const e = this.error;
      this.fail(e?.code ? new HttpError(e.code, e.message) : new HttpError('ECONNRESET', 'socket hang up'));
    } else if (!wasDead) this.owner.release(this);
  }
}
