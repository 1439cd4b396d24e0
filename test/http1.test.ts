/**
 * The hot path's HTTP/1.1 client (src/sqs/http1.ts) against raw TCP and TLS servers that answer
 * in the awkward ways real servers and proxies do: chunked bodies split anywhere, replies cut into
 * single bytes, interim 100 replies, "Connection: close", bodies that end at close, garbage,
 * silence. SQS behaviour itself is tested against fauxqs elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Client, HttpError } from '../src/sqs/http1.js';
import { ConnectProxy } from './connect-proxy.js';

type Reply = (socket: net.Socket, request: string, n: number) => void;

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server that hands each complete request (head + content-length body) to `reply`. */
async function rawServer(reply: Reply, secure?: { key: string; cert: string }): Promise<{ url: URL; connections: () => number }> {
  let count = 0;
  let connections = 0;
  const onSocket = (socket: net.Socket) => {
    connections++;
    let buf = '';
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const request = buf.slice(0, end + 4 + length);
        buf = buf.slice(end + 4 + length);
        reply(socket, request, count++);
      }
    });
  };
  const server = secure ? tls.createServer(secure, onSocket) : net.createServer(onSocket);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { url: new URL(`${secure ? 'https' : 'http'}://127.0.0.1:${port}`), connections: () => connections };
}

const text = (status: number, body: Buffer) => `${status} ${body.toString('utf8')}`;
const head = (length: number) => `POST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${length}\r\n\r\n`;
const call = (client: Http1Client, body = 'ping', timeoutMs = 2000, signal?: AbortSignal) =>
  client.request(head(Buffer.byteLength(body)), Buffer.from(body), timeoutMs, text, signal);

/**
 * Write a reply in pieces with pauses between them, so the client sees many reads: `size` bytes
 * at a time, but the first and last 150 bytes (heads, chunk lines, trailers) 3 bytes at a time.
 */
async function dribble(socket: net.Socket, reply: string, size: number): Promise<void> {
  for (let i = 0; i < reply.length; ) {
    const step = i < 150 || i >= reply.length - 150 ? Math.min(3, size) : size;
    socket.write(reply.slice(i, i + step), 'latin1');
    i += step;
    await new Promise((r) => setImmediate(r));
  }
}

describe('HTTP/1.1 client of the hot path', () => {
  it('reuses one keep-alive connection for Content-Length replies, even one byte per read', async () => {
    const server = await rawServer((socket, request, n) => {
      const body = `echo ${n} ${request.length}`;
      void dribble(socket, `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`, n === 1 ? 1 : 1_000);
      // (reply n = 1 arrives one byte per write)
    });
    const client = new Http1Client(server.url, { maxSockets: 1 });
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await call(client));
    const length = head(4).length + 4;
    expect(replies).toEqual([`200 echo 0 ${length}`, `200 echo 1 ${length}`, `200 echo 2 ${length}`]);
    expect(server.connections()).toBe(1);
    client.close();
  });

  it('reads chunked bodies split anywhere, with extensions and trailers, after a 100 Continue', async () => {
    const big = 'x'.repeat(70_000) + 'é';
    const chunked = `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `5;ext=1\r\nhello\r\n${Buffer.byteLength(big).toString(16)}\r\n${Buffer.from(big).toString('latin1')}\r\n0\r\nx-trailer: 1\r\n\r\n`;
    const server = await rawServer((socket, _r, n) => void dribble(socket, chunked, n === 0 ? 9_973 : 50_000));
    const client = new Http1Client(server.url, { maxSockets: 1 });
    expect(await call(client)).toBe(`200 hello${big}`);
    expect(await call(client)).toBe(`200 hello${big}`);
    expect(server.connections()).toBe(1);
    client.close();
  });

  it.each([
    {
      when: 'after "Connection: close" and after a body that ends at close',
      reply: (socket: net.Socket, n: number) =>
        n === 0 ? socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok') : socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close'),
      replies: ['200 ok', '200 until close'],
      connections: 2,
    },
    {
      when: 'not after an error status (its body goes to the caller)',
      reply: (socket: net.Socket) => socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 4\r\n\r\nnope'),
      replies: ['400 nope', '400 nope'],
      connections: 1,
    },
  ])('opens a new connection $when', async ({ reply, replies, connections }) => {
    const server = await rawServer((socket, _r, n) => reply(socket, n));
    const client = new Http1Client(server.url, { maxSockets: 1 });
    for (const expected of replies) expect(await call(client)).toBe(expected);
    expect(server.connections()).toBe(connections);
    client.close();
  });

  it('reads the headers that matter in any case and spacing, and ignores look-alikes', async () => {
    // Each reply: what the server writes, the body the caller must see, whether the connection survives.
    const replies: Array<[string, string, boolean]> = [
      ['HTTP/1.1 200 OK\r\ncontent-length:3\r\n\r\nabc', 'abc', true],
      ['HTTP/1.1 200 OK\r\nX-Content-Length: 1\r\nCONTENT-LENGTH: \t 4 \r\nContent-Lengthy: 9\r\n\r\nabcd', 'abcd', true],
      ['HTTP/1.1 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok', 'ok', true],
      ['HTTP/1.1 200 OK\r\nx-amzn-query-error: AWS.Thing;Sender\r\nConnection:  CLOSE \r\nContent-Length: 2\r\n\r\nby', 'by', false],
      ['HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold', 'old', false],
      ['HTTP/1.0 200 OK\r\nconnection: keep-alive\r\nContent-Length: 4\r\n\r\nkept', 'kept', true],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n3\r\nxyz\r\n0\r\n\r\n', 'xyz', true],
      ['HTTP/1.1 200 OK\r\nno colon here\r\n: empty name\r\nContent-Length: 1\r\n\r\n!', '!', true],
    ];
    const server = await rawServer((socket, _r, n) => socket.write(replies[n][0], 'latin1'));
    const client = new Http1Client(server.url, { maxSockets: 1 });
    let expectedConnections = 1;
    const errors: Array<string | undefined> = [];
    for (const [, body, keep] of replies) {
      const got = await client.request(head(4), Buffer.from('ping'), 2000, (status, reply, queryError) => {
        errors.push(queryError);
        return `${status} ${reply.toString('latin1')}`;
      });
      expect(got).toBe(`200 ${body}`);
      expect(server.connections()).toBe(expectedConnections);
      if (!keep) expectedConnections++;
    }
    expect(errors[3]).toBe('AWS.Thing;Sender');
    expect(errors.filter(Boolean)).toHaveLength(1);
    client.close();
  });

  it.each(['HTTP/1.2 200 OK', 'HTTP/1.1 2x0 OK', 'HTTP/1.1200 OK', 'HTTP/2 200'])('refuses the status line "%s"', async (line) => {
    const server = await rawServer((socket) => socket.write(`${line}\r\nContent-Length: 0\r\n\r\n`));
    const client = new Http1Client(server.url, { maxSockets: 1 });
    await expect(call(client)).rejects.toMatchObject({ code: 'InvalidResponse' });
    client.close();
  });

  it('fails cleanly: garbage, a reset mid-reply, silence past the deadline, an abort, a refused port', async () => {
    const server = await rawServer((socket, _r, n) => {
      if (n === 0) socket.write('SMTP ready\r\n\r\n');
      else if (n === 1) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
      // n >= 2: never answer
    });
    const client = new Http1Client(server.url, { maxSockets: 4 });
    await expect(call(client)).rejects.toMatchObject({ code: 'InvalidResponse' });
    await expect(call(client)).rejects.toMatchObject({ code: 'ECONNRESET' });
    const started = Date.now();
    await expect(call(client, 'ping', 300)).rejects.toMatchObject({ code: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(1500);
    const abort = new AbortController();
    const pending = call(client, 'ping', 10_000, abort.signal);
    setTimeout(() => abort.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'Aborted' });
    client.close();

    const closed = await rawServer(() => undefined);
    const port = closed.url.port;
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 50));
    const refused = new Http1Client(new URL(`http://127.0.0.1:${port}`), { maxSockets: 1 });
    const err = await call(refused).catch((e: HttpError) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).code).toBe('ECONNREFUSED');
    refused.close();
  });

  it('queues requests beyond maxSockets and runs them as connections free up', async () => {
    let open = 0;
    let most = 0;
    const server = await rawServer((socket, request) => {
      open++;
      most = Math.max(most, open);
      setTimeout(() => {
        open--;
        const body = request.slice(request.indexOf('\r\n\r\n') + 4);
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }, 20);
    });
    const client = new Http1Client(server.url, { maxSockets: 3 });
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => call(client, `r${i}`)));
    expect(replies).toEqual(Array.from({ length: 12 }, (_, i) => `200 r${i}`));
    expect(most).toBe(3);
    expect(server.connections()).toBe(3);
    client.close();
  });

  const dir = mkdtempSync(join(tmpdir(), 'http1-tls-'));
  const hasOpenssl = existsSync('/usr/bin/openssl');
  let keys: { key: string; cert: string } | undefined;
  const tlsKeys = () => {
    if (!keys) {
      execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      keys = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    }
    return keys;
  };

  it.skipIf(!hasOpenssl)('speaks HTTPS (real AWS endpoints are TLS)', async () => {
    const { key, cert } = tlsKeys();
    const big = 'y'.repeat(150_000);
    const server = await rawServer((socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n${big}`), { key, cert });
    const client = new Http1Client(server.url, { maxSockets: 1, tls: { ca: cert } });
    expect(await call(client)).toBe(`200 ${big}`);
    expect(await call(client)).toBe(`200 ${big}`);
    expect(server.connections()).toBe(1);
    client.close();
    // Without our CA the certificate is refused: TLS is verified, not just spoken.
    const strict = new Http1Client(server.url, { maxSockets: 1 });
    await expect(call(strict)).rejects.toBeInstanceOf(HttpError);
    strict.close();
  });

  it.skipIf(!hasOpenssl)('over TLS, connections sharing one read buffer get their own bytes: records split anywhere, chunked, until close', async () => {
    // Decrypted records land in the client's one static buffer: two connections whose replies
    // arrive interleaved, in many small records, must each see exactly their own body.
    const { key, cert } = tlsKeys();
    const body = (n: number) => Array.from({ length: 3_000 }, (_, i) => `${n}:${i};`).join('');
    const server = await rawServer((socket, request) => {
      const n = Number(/ping(\d)/.exec(request)![1]);
      const b = body(n);
      const reply =
        n === 0
          ? `HTTP/1.1 200 OK\r\nContent-Length: ${b.length}\r\n\r\n${b}`
          : n === 1
            ? `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${b.length.toString(16)}\r\n${b}\r\n0\r\n\r\n`
            : `HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n${b}`;
      void dribble(socket, reply, 997).then(() => n === 2 && socket.end());
    }, { key, cert });
    const client = new Http1Client(server.url, { maxSockets: 3, tls: { ca: cert } });
    const replies = await Promise.all([0, 1, 2].map((n) => call(client, `ping${n}`)));
    expect(replies).toEqual([0, 1, 2].map((n) => `200 ${body(n)}`));
    expect(await call(client, 'ping0')).toBe(`200 ${body(0)}`);
    client.close();
  });

  it('retires a keep-alive connection at its maximum age: the next request opens a new one, with a fresh DNS lookup', async () => {
    const server = await rawServer((socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`));
    let lookups = 0;
    // Counts the client's DNS lookups of `localhost` (net.connect asks for all addresses).
    const lookup = ((_host: string, options: { all?: boolean }, done: (e: null, a: unknown, f?: number) => void) => {
      lookups++;
      if (options.all) done(null, [{ address: '127.0.0.1', family: 4 }]);
      else done(null, '127.0.0.1', 4);
    }) as unknown as net.LookupFunction;
    const url = new URL(`http://localhost:${server.url.port}`);
    const client = new Http1Client(url, { maxSockets: 1, maxAgeMs: 150, lookup });
    expect(await call(client)).toBe('200 ok');
    expect(await call(client)).toBe('200 ok');
    expect([server.connections(), lookups]).toEqual([1, 1]);
    await new Promise((r) => setTimeout(r, 200));
    expect(await call(client)).toBe('200 ok');
    expect([server.connections(), lookups]).toEqual([2, 2]);
    client.close();
    // 0: kept for ever.
    const forever = new Http1Client(server.url, { maxSockets: 1, maxAgeMs: 0 });
    await call(forever);
    await new Promise((r) => setTimeout(r, 200));
    await call(forever);
    expect(server.connections()).toBe(3);
    forever.close();
  });

  it('goes through an http proxy: absolute-form for http endpoints, with the proxy\'s credentials', async () => {
    const server = await rawServer((socket, request) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${request.length}\r\n\r\n${request}`));
    const proxy = await new ConnectProxy().start();
    try {
      const client = new Http1Client(server.url, { maxSockets: 1, proxy: new URL(`http://user:p%40ss@127.0.0.1:${proxy.port}`) });
      expect(await call(client, 'one')).toMatch(/^200 POST \/ HTTP\/1\.1\r\n/);
      expect(await call(client, 'two')).toMatch(/two$/);
      client.close();
      expect(proxy.byTarget).toEqual({ [`POST ${server.url.host}`]: 2 });
      expect(proxy.proxyAuthorization).toEqual([0, 1].map(() => `Basic ${Buffer.from('user:p@ss').toString('base64')}`));
      // The origin server never sees the proxy's credentials.
      expect(server.connections()).toBe(1);
    } finally {
      await proxy.stop();
    }
  });

  it.skipIf(!hasOpenssl)('tunnels HTTPS through a CONNECT proxy (certificate checked for the endpoint, not the proxy), and reports a refusal', async () => {
    const { key, cert } = tlsKeys();
    const big = 'z'.repeat(50_000);
    const server = await rawServer((socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n${big}`), { key, cert });
    const proxy = await new ConnectProxy().start();
    try {
      const url = new URL(`https://localhost:${server.url.port}`);
      const client = new Http1Client(url, { maxSockets: 2, tls: { ca: cert }, proxy: new URL(proxy.url) });
      const replies = await Promise.all([call(client), call(client)]);
      expect(replies).toEqual([`200 ${big}`, `200 ${big}`]);
      expect(await call(client)).toBe(`200 ${big}`);
      client.close();
      expect(proxy.byTarget).toEqual({ [`CONNECT localhost:${server.url.port}`]: 2 });
      // A proxy that refuses the tunnel: one clear error naming it.
      const refusing = await rawServer((socket) => socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'));
      const denied = new Http1Client(url, { maxSockets: 1, tls: { ca: cert }, proxy: refusing.url });
      const err = (await call(denied).catch((e: unknown) => e)) as HttpError;
      expect([err.code, err.message]).toEqual(['ProxyError', `proxy ${refusing.url.host} answered "HTTP/1.1 407 Proxy Authentication Required" to CONNECT localhost:${server.url.port}`]);
      denied.close();
    } finally {
      await proxy.stop();
    }
  });
});
