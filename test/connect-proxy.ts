/**
 * A forward proxy on loopback, as a corporate one: CONNECT tunnels (https endpoints) and
 * absolute-form requests (`POST http://host/ HTTP/1.1`, http endpoints), each counted by target
 * host and method, absolute-form ones by SQS action (x-amz-target) too, and every request's
 * Proxy-Authorization kept. Tunnels are opaque (TLS): only their CONNECTs are counted.
 */
import http from 'node:http';
import net from 'node:net';

export class ConnectProxy {
  /** `CONNECT 127.0.0.1:443`, `POST 127.0.0.1:4566` … → count. */
  readonly byTarget: Record<string, number> = {};
  /** Absolute-form requests by SQS action (`SendMessageBatch` …) or S3 method + path. */
  readonly byAction: Record<string, number> = {};
  readonly proxyAuthorization: string[] = [];
  /** Absolute-form requests' headers, as received (the signed ones included). */
  readonly headers: http.IncomingHttpHeaders[] = [];
  private readonly server = http.createServer((req, res) => this.forward(req, res));
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  total(): number {
    return Object.values(this.byTarget).reduce((a, b) => a + b, 0);
  }

  private count(key: string, into: Record<string, number>): void {
    into[key] = (into[key] ?? 0) + 1;
  }

  async start(): Promise<this> {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('connect', (req, client: net.Socket, head: Buffer) => {
      this.count(`CONNECT ${req.url}`, this.byTarget);
      if (req.headers['proxy-authorization']) this.proxyAuthorization.push(req.headers['proxy-authorization']);
      const [host, port] = splitAuthority(req.url ?? '');
      const upstream = net.connect({ host, port }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      const close = () => (client.destroy(), upstream.destroy());
      upstream.on('error', close).on('close', close);
      client.on('error', close).on('close', close);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!/^http:\/\//.test(req.url ?? '')) {
      res.writeHead(400).end('absolute-form only');
      return;
    }
    const target = new URL(req.url!);
    this.count(`${req.method} ${target.host}`, this.byTarget);
    const action = String(req.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '') || `${req.method} ${target.pathname}`;
    this.count(action, this.byAction);
    this.headers.push(req.headers);
    if (req.headers['proxy-authorization']) this.proxyAuthorization.push(req.headers['proxy-authorization']);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const up = http.request({ host: target.hostname, port: target.port || 80, method: req.method, path: target.pathname + target.search, headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

function splitAuthority(authority: string): [string, number] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(authority);
  return m ? [m[1], Number(m[2])] : [authority, 443];
}
