/**
 * A fault-injecting HTTP proxy between sqs-blast and the local SQS server: the faults real SQS
 * produces under load (throttling, 5xx, resets before and after the server acted, stalls,
 * partial batch failures) that fauxqs itself never produces. Seeded, so a failing run repeats.
 */
import http from 'node:http';
import { afterEach } from 'vitest';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | 'throttle' // 400 ThrottlingException
  | 'requestThrottled' // 400 RequestThrottled
  | 'http500' // 500 InternalError
  | 'http503' // 503 ServiceUnavailable
  | 'resetBefore' // connection dropped, request never forwarded
  | 'resetAfter' // forwarded (the server acted), then the connection is dropped
  | 'latency' // forwarded after `ms`
  | 'stall' // never answered
  | 'partialSend' // SendMessageBatch stored, but some entries reported Failed (retries duplicate)
  | 'partialDelete' // DeleteMessageBatch: some entries not forwarded and reported Failed
  | 'incompleteReply' // a *Batch call done in full, but a third of its entries missing from the reply
  | 'queueMissing'; // 400 QueueDoesNotExist, not forwarded (a queue not usable yet): refused, never stored

export interface Rule {
  fault: Fault;
  /** Probability per request, 0..1. */
  p: number;
  /** Only for this action (SendMessageBatch, ReceiveMessage, DeleteMessageBatch…). */
  action?: string;
  ms?: number;
  /** Applied at most this many times (e.g. 1: only the first matching request). */
  times?: number;
}

function rng(seed: number): () => number {
  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultProxy {
  rules: Rule[] = [];
  readonly injected: Record<string, number> = {};
  requests = 0;
  /** Requests of these actions are kept, as sent, in `recorded` (e.g. to see what CreateQueue asked for). */
  recordActions: string[] = [];
  readonly recorded: Array<{ action: string; body: string }> = [];
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private random: () => number;
  port = 0;

  constructor(
    private readonly upstream: string,
    seed = 42,
  ) {
    this.random = rng(seed);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stop listening and cut every open connection: to the client, the server is gone. */
  async kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private pick(action: string): Rule | undefined {
    for (const r of this.rules) {
      if (r.action && r.action !== action) continue;
      if (r.times !== undefined && (this.injected[`${action}:${r.fault}`] ?? 0) >= r.times) continue;
      if (this.random() < r.p) return r;
    }
    return undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body = Buffer.concat(chunks);
    const action = String(req.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '');
    this.requests++;
    if (this.recordActions.includes(action)) this.recorded.push({ action, body: body.toString('utf8') });
    const rule = this.pick(action);
    if (rule) this.injected[`${action}:${rule.fault}`] = (this.injected[`${action}:${rule.fault}`] ?? 0) + 1;
    const error = (status: number, type: string) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${type};Sender` });
      res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message: `injected ${type}` }));
    };
    switch (rule?.fault) {
      case 'throttle':
        return error(400, 'ThrottlingException');
      case 'requestThrottled':
        return error(400, 'RequestThrottled');
      case 'http500':
        return error(500, 'InternalError');
      case 'queueMissing':
        return error(400, 'QueueDoesNotExist');
      case 'http503':
        return error(503, 'ServiceUnavailable');
      case 'resetBefore':
        req.socket.destroy();
        return;
      case 'stall':
        return; // hold the request open; the client's timeout must end it
      case 'latency':
        await new Promise((r) => setTimeout(r, rule.ms ?? 100));
        break;
    }
    let removed: Array<{ Id: string }> = [];
    if (rule?.fault === 'partialDelete' && action === 'DeleteMessageBatch') {
      const parsed = JSON.parse(body.toString('utf8')) as { Entries: Array<{ Id: string }> };
      const keep = Math.max(1, Math.floor(parsed.Entries.length / 2));
      removed = parsed.Entries.slice(keep);
      parsed.Entries = parsed.Entries.slice(0, keep);
      body = Buffer.from(JSON.stringify(parsed));
    }
    const upstream = new URL(this.upstream);
    const headers = { ...req.headers, 'content-length': String(body.length), host: upstream.host };
    const forwarded = http.request({ agent: this.agent, hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (up) =>
      void this.reply(up, req, res, rule, action, removed),
    );
    forwarded.on('error', () => req.socket.destroy());
    forwarded.end(body);
  }

  /** The upstream's reply, passed on with the rule's reply-side fault applied. */
  private async reply(up: http.IncomingMessage, req: http.IncomingMessage, res: http.ServerResponse, rule: Rule | undefined, action: string, removed: Array<{ Id: string }>): Promise<void> {
    const parts: Buffer[] = [];
    for await (const c of up) parts.push(c as Buffer);
    let reply = Buffer.concat(parts);
    if (rule?.fault === 'resetAfter') {
      req.socket.destroy();
      return;
    }
    if (up.statusCode === 200 && rule?.fault === 'partialSend' && action === 'SendMessageBatch') {
      const parsed = JSON.parse(reply.toString('utf8')) as { Successful: Array<{ Id: string }>; Failed?: unknown[] };
      const fail = parsed.Successful.splice(0, Math.ceil(parsed.Successful.length / 3));
      parsed.Failed = [...(parsed.Failed ?? []), ...fail.map((f) => ({ Id: f.Id, Code: 'InternalError', SenderFault: false, Message: 'injected' }))];
      reply = Buffer.from(JSON.stringify(parsed));
    }
    if (up.statusCode === 200 && rule?.fault === 'incompleteReply' && action.endsWith('Batch')) {
      const parsed = JSON.parse(reply.toString('utf8')) as { Successful: unknown[] };
      parsed.Successful.splice(0, Math.ceil(parsed.Successful.length / 3));
      reply = Buffer.from(JSON.stringify(parsed));
    }
    if (up.statusCode === 200 && removed.length) {
      const parsed = JSON.parse(reply.toString('utf8')) as { Successful: unknown[]; Failed?: unknown[] };
      parsed.Failed = [...(parsed.Failed ?? []), ...removed.map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false, Message: 'injected' }))];
      reply = Buffer.from(JSON.stringify(parsed));
    }
    const out = { ...up.headers, 'content-length': String(reply.length) };
    delete out['transfer-encoding'];
    res.writeHead(up.statusCode ?? 500, out);
    res.end(reply);
  }
}

/**
 * For a test file: start proxies before `upstream` by seed, each killed after its test, so a test
 * that fails midway leaves no proxy listening.
 */
export function proxiesPerTest(upstream: () => string): (seed: number) => Promise<FaultProxy> {
  const started: FaultProxy[] = [];
  afterEach(async () => {
    while (started.length) await started.pop()!.kill().catch(() => undefined);
  });
  return async (seed) => {
    const p = new FaultProxy(upstream(), seed);
    await p.start();
    started.push(p);
    return p;
  };
}
