/**
 * A capacity-limited front for the local server: SendMessageBatch above `callsPerSecond` is
 * answered 400 ThrottlingException (a token bucket holding half a second's calls, so
 * arrival jitter below the capacity is not punished); everything else is forwarded unchanged.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class CapacityProxy {
  throttled = 0;
  forwarded = 0;
  private server?: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private tokens: number;
  private last = performance.now();
  private readonly burst: number;

  constructor(
    private readonly upstream: string,
    private readonly callsPerSecond: number,
  ) {
    this.burst = Math.max(1, callsPerSecond / 2);
    this.tokens = this.burst;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  private admit(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.callsPerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  async start(): Promise<void> {
    const up = new URL(this.upstream);
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (String(req.headers['x-amz-target']).endsWith('.SendMessageBatch') && !this.admit()) {
          this.throttled++;
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'ThrottlingException;Sender' });
          return res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#ThrottlingException', message: 'over capacity' }));
        }
        this.forwarded++;
        const fwd = http.request(
          { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers, agent: this.agent },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        fwd.on('error', () => res.destroy());
        fwd.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.agent.destroy();
  }
}
