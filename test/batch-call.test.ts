/**
 * The batch caller's accounting (worker-kit/batch-call.ts), through the lean wire to a real local
 * HTTP server that answers each request from a script: which entries are sent again and which end
 * failed, under which code, how many retries and error events are counted, and that nothing a
 * server refused is ever counted as succeeded. The server parses what it is sent, so "sent again
 * alone" is read off the wire, not off the caller's bookkeeping.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../src/config.js';
import { monoNow } from '../src/load/clock.js';
import { createSharedState, LiveRow, LiveView } from '../src/metrics/live.js';
import { SqsWire } from '../src/sqs/wire.js';
import { allEntries, BatchCaller, unreportedIds, type BatchEntries, type BatchReply } from '../src/worker-kit/batch-call.js';
import { Meter } from '../src/worker-kit/meter.js';
import { StopSignals } from '../src/worker-kit/stop-signals.js';

interface Answer {
  status: number;
  /** Answer this much later (a slow server). */
  delayMs?: number;
  /** The x-amzn-query-error code, for an error reply. */
  error?: string;
  body: unknown;
}

/** Answers request n from script[n] (the last one again past its end); records the entry ids each carried. */
class ScriptedSqs {
  script: Array<(ids: string[]) => Answer> = [];
  readonly requests: Array<{ action: string; ids: string[] }> = [];
  private server!: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries: Array<{ Id: string }> };
        const ids = body.Entries.map((e) => e.Id);
        this.requests.push({ action: String(req.headers['x-amz-target']).replace('AmazonSQS.', ''), ids });
        const a = this.script[Math.min(this.requests.length - 1, this.script.length - 1)](ids);
        const text = JSON.stringify(a.body);
        if (a.delayMs) {
          const timer = setTimeout(() => this.reply(res, a, text), a.delayMs);
          res.on('close', () => clearTimeout(timer));
        } else this.reply(res, a, text);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private reply(res: http.ServerResponse, a: Answer, text: string): void {
    if (res.destroyed) return;
    res.writeHead(a.status, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': String(Buffer.byteLength(text)),
          ...(a.error ? { 'x-amzn-query-error': `${a.error};Sender` } : {}),
        });
    res.end(text);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const server = new ScriptedSqs();
beforeAll(() => server.start());
afterAll(() => server.stop());
afterEach(() => vi.restoreAllMocks());

const ok = (ids: string[]): Answer => ({ status: 200, body: { Successful: ids.map((Id) => ({ Id })), Failed: [] } });
const refused = (code: string, status = 400): Answer => ({ status, error: code, body: { __type: `com.amazonaws.sqs#${code}`, message: `scripted ${code}` } });
/** The first `n` entries succeed, the rest are Failed with `code`. */
const partial = (n: number, code: string, senderFault = false) => (ids: string[]): Answer => ({
  status: 200,
  body: { Successful: ids.slice(0, n).map((Id) => ({ Id })), Failed: ids.slice(n).map((Id) => ({ Id, Code: code, SenderFault: senderFault, Message: 'scripted' })) },
});

const connection = (): Connection => ({
  endpoint: server.url,
  region: 'eu-west-1',
  staticCredentials: { accessKeyId: 'AKIDBATCH', secretAccessKey: 's' },
  client: 'lean',
  requestTimeoutMs: 5000,
  maxRetries: 0,
  verifyMd5: false,
  maxConnectionAgeMs: 0,
});

/** One batch of `n` entries through a fresh caller; what the caller told the batch, and what it metered. */
async function call(n: number, maxRetries: number, script: Array<(ids: string[]) => Answer>, action: BatchEntries<BatchReply>['action'] = 'SendMessageBatch') {
  server.script = script;
  server.requests.length = 0;
  const state = createSharedState(1);
  const live = new LiveRow(state, 0);
  const meter = new Meter(live, Date.now(), [], 'send');
  const stop = new StopSignals(live, 5);
  const wire = new SqsWire(connection(), 1);
  const caller = new BatchCaller(wire, meter, stop, maxRetries);
  const succeeded: string[] = [];
  const failed: Array<{ entries: number[]; code: string }> = [];
  const carried: number[][] = [];
  const batch: BatchEntries<BatchReply> = {
    action,
    request: (pending) => Buffer.from(JSON.stringify({ QueueUrl: `${server.url}/000000000000/q`, Entries: pending.map((i) => ({ Id: String(i), MessageBody: `m${i}` })) })),
    succeeded: (reply, pending) => {
      carried.push([...pending]);
      for (const s of reply.Successful ?? []) succeeded.push(s.Id);
    },
    failed: (entries, code) => failed.push({ entries: [...entries], code }),
  };
  const before = monoNow();
  try {
    const ended = await caller.call(batch, allEntries(n));
    const tally = meter.finish();
    return { ended, before, after: monoNow(), succeeded, failed, carried, retries: tally.retries, errors: tally.errors, requests: server.requests.map((r) => r.ids), live: new LiveView(state) };
  } finally {
    wire.close();
    stop.close();
  }
}

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));

describe('BatchCaller', () => {
  it('sends retryable Failed entries again alone, and counts each entry once', async () => {
    const r = await call(10, 3, [partial(7, 'InternalError'), ok]);
    expect(r.requests).toEqual([ids(0, 10), ['7', '8', '9']]);
    expect(r.succeeded.sort()).toEqual(ids(0, 10).sort());
    expect(r.carried).toEqual([[...Array(10).keys()], [7, 8, 9]]);
    expect(r.failed).toEqual([]);
    expect(r.retries).toBe(1);
    expect(r.errors).toEqual({ InternalError: 3 });
  });

  it('ends sender-fault and non-retryable Failed entries at once, under their own code', async () => {
    const reply = (batchIds: string[]): Answer => ({
      status: 200,
      body: {
        Successful: batchIds.slice(0, 8).map((Id) => ({ Id })),
        Failed: [
          { Id: batchIds[8], Code: 'InvalidParameterValue', SenderFault: true },
          // Retryable by its code, but the server says the request itself is at fault: sending it again cannot help.
          { Id: batchIds[9], Code: 'InternalError', SenderFault: true },
        ],
      },
    });
    const r = await call(10, 3, [reply]);
    expect(r.requests).toHaveLength(1);
    expect(r.failed).toEqual([
      { entries: [8], code: 'InvalidParameterValue' },
      { entries: [9], code: 'InternalError' },
    ]);
    expect(r.succeeded).toHaveLength(8);
    expect(r.retries).toBe(0);
    expect(r.errors).toEqual({ InvalidParameterValue: 1, InternalError: 1 });
  });

  it('sends a throttled call again in full, and after --max-retries counts every entry failed, none sent', async () => {
    const r = await call(10, 2, [() => refused('ThrottlingException')]);
    expect(r.requests).toEqual([ids(0, 10), ids(0, 10), ids(0, 10)]);
    expect(r.succeeded).toEqual([]);
    expect(r.carried).toEqual([]);
    expect(r.failed).toEqual([{ entries: [...Array(10).keys()], code: 'ThrottlingException' }]);
    expect(r.retries).toBe(2);
    expect(r.errors).toEqual({ ThrottlingException: 3 });
    // Throttles also count apart, live (a stop rule on throttles reads them there).
    expect(r.live.sum('throttles')).toBe(3);
    expect(r.live.sum('errors')).toBe(3);
  });

  it('counts a throttled call that then succeeds as sent once, with one retry', async () => {
    const r = await call(10, 2, [() => refused('ThrottlingException'), ok]);
    expect(r.requests).toEqual([ids(0, 10), ids(0, 10)]);
    expect(r.succeeded.sort()).toEqual(ids(0, 10).sort());
    expect(r.failed).toEqual([]);
    expect(r.retries).toBe(1);
    expect(r.errors).toEqual({ ThrottlingException: 1 });
  });

  it('with --max-retries 0 makes one attempt', async () => {
    const r = await call(4, 0, [partial(1, 'ServiceUnavailable')]);
    expect(r.requests).toEqual([ids(0, 4)]);
    expect(r.failed).toEqual([{ entries: [1, 2, 3], code: 'ServiceUnavailable' }]);
    expect(r.retries).toBe(0);
  });

  it('ends a call refused for good at once, every entry under the refusal’s code', async () => {
    const r = await call(5, 3, [() => refused('AccessDenied', 403), ok]);
    expect(r.requests).toEqual([ids(0, 5)]);
    expect(r.failed).toEqual([{ entries: [0, 1, 2, 3, 4], code: 'AccessDenied' }]);
    expect(r.succeeded).toEqual([]);
    expect(r.retries).toBe(0);
    expect(r.errors).toEqual({ AccessDenied: 1 });
  });

  it('sends entries a reply names in neither list again, as IncompleteReply', async () => {
    const named = (batchIds: string[]): Answer => ({ status: 200, body: { Successful: batchIds.slice(0, 6).map((Id) => ({ Id })) } });
    const r = await call(10, 3, [named, ok], 'DeleteMessageBatch');
    expect(r.requests).toEqual([ids(0, 10), ids(6, 10)]);
    expect(r.succeeded.sort()).toEqual(ids(0, 10).sort());
    expect(r.failed).toEqual([]);
    expect(r.retries).toBe(1);
    expect(r.errors).toEqual({ IncompleteReply: 4 });
  });

  it('fails what is still pending under the last attempt’s code', async () => {
    // Attempt 1: three entries Failed InternalError; attempt 2 (those three): the whole call throttled; no attempt 3.
    const r = await call(10, 1, [partial(7, 'InternalError'), () => refused('ThrottlingException')]);
    expect(r.requests).toEqual([ids(0, 10), ['7', '8', '9']]);
    expect(r.failed).toEqual([{ entries: [7, 8, 9], code: 'ThrottlingException' }]);
    expect(r.succeeded).toHaveLength(7);
    expect(r.retries).toBe(1);
    expect(r.errors).toEqual({ InternalError: 3, ThrottlingException: 1 });
  });

  it('resolves with the moment the last reply came in, on the monotonic clock', async () => {
    const r = await call(10, 2, [() => refused('ThrottlingException'), ok]);
    expect(r.ended).toBeGreaterThan(r.before);
    expect(r.ended).toBeLessThanOrEqual(r.after);
    // The first reply came back before a backoff of at least 1 ms; `ended` is the second one's.
    expect(r.requests).toHaveLength(2);
  });

  it('fails what is pending as Aborted when a stop cuts the backoff, and sends nothing more', async () => {
    // The full-jitter draw at its top: throttle backoffs are then their whole cap, 200, 400, 800 ms.
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const state = createSharedState(1);
    const live = new LiveRow(state, 0);
    server.script = [() => refused('ThrottlingException')];
    server.requests.length = 0;
    const meter = new Meter(live, Date.now(), [], 'send');
    const stop = new StopSignals(live, 5);
    const wire = new SqsWire(connection(), 1);
    const failed: Array<{ entries: number[]; code: string }> = [];
    const batch: BatchEntries<BatchReply> = {
      action: 'SendMessageBatch',
      request: (pending) => Buffer.from(JSON.stringify({ QueueUrl: `${server.url}/000000000000/q`, Entries: pending.map((i) => ({ Id: String(i), MessageBody: 'm' })) })),
      succeeded: () => expect.fail('nothing succeeded'),
      failed: (entries, code) => failed.push({ entries: [...entries], code }),
    };
    let cutAfterMs: number;
    try {
      const done = new BatchCaller(wire, meter, stop, 5).call(batch, allEntries(3));
      while (server.requests.length < 3) await new Promise((resolve) => setTimeout(resolve, 2));
      // 40 ms into the third backoff, 800 ms long (the replies are local and immediate).
      await new Promise((resolve) => setTimeout(resolve, 40));
      const stoppedAt = performance.now();
      new LiveView(state).stop(2);
      await done;
      cutAfterMs = performance.now() - stoppedAt;
    } finally {
      wire.close();
      stop.close();
    }
    // The backoff ended at the stop, not at its end 760 ms later (5 ms polls; the margin is for a busy machine).
    expect(cutAfterMs).toBeLessThan(500);
    expect(server.requests).toHaveLength(3);
    expect(failed).toEqual([{ entries: [0, 1, 2], code: 'Aborted' }]);
    expect(meter.finish().retries).toBe(3);
  });
});

describe('BatchCaller and a stop during a call', () => {
  it('a call in flight at a hard stop is cut, and its entries end failed at once, not retried', async () => {
    server.script = [(batchIds) => ({ ...ok(batchIds), delayMs: 3000 })];
    server.requests.length = 0;
    const state = createSharedState(1);
    const live = new LiveRow(state, 0);
    const meter = new Meter(live, Date.now(), [], 'send');
    const stop = new StopSignals(live, 5);
    const wire = new SqsWire(connection(), 1);
    const failed: Array<{ entries: number[]; code: string }> = [];
    const batch: BatchEntries<BatchReply> = {
      action: 'SendMessageBatch',
      request: (pending) => Buffer.from(JSON.stringify({ QueueUrl: `${server.url}/000000000000/q`, Entries: pending.map((i) => ({ Id: String(i), MessageBody: 'm' })) })),
      succeeded: () => expect.fail('the reply never came'),
      failed: (entries, code) => failed.push({ entries: [...entries], code }),
    };
    let cutAfterMs: number;
    try {
      const done = new BatchCaller(wire, meter, stop, 5).call(batch, allEntries(4));
      while (server.requests.length < 1) await new Promise((resolve) => setTimeout(resolve, 2));
      const stoppedAt = performance.now();
      new LiveView(state).stop(2);
      await done;
      cutAfterMs = performance.now() - stoppedAt;
    } finally {
      wire.close();
      stop.close();
    }
    // Cut at the stop (5 ms polls), not at the reply 3 s later; the margin is for a busy machine.
    expect(cutAfterMs).toBeLessThan(1500);
    expect(server.requests).toHaveLength(1);
    expect(failed).toEqual([{ entries: [0, 1, 2, 3], code: 'Aborted' }]);
    expect(meter.finish().retries).toBe(0);
  });
});

describe('BatchCaller.prepare', () => {
  it('builds the first attempt ahead on the lean wire, and builds only retries at the call', async () => {
    server.script = [ok];
    server.requests.length = 0;
    const live = new LiveRow(createSharedState(1), 0);
    const meter = new Meter(live, Date.now(), [], 'send');
    const stop = new StopSignals(live, 5);
    const wire = new SqsWire(connection(), 1);
    const built: number[][] = [];
    let succeeded = 0;
    const batch: BatchEntries<BatchReply> = {
      action: 'SendMessageBatch',
      request: (pending) => {
        built.push([...pending]);
        return Buffer.from(JSON.stringify({ QueueUrl: `${server.url}/000000000000/q`, Entries: pending.map((i) => ({ Id: String(i), MessageBody: 'm' })) }));
      },
      succeeded: (reply) => (succeeded += reply.Successful?.length ?? 0),
      failed: () => expect.fail('nothing fails'),
    };
    try {
      const caller = new BatchCaller(wire, meter, stop, 2);
      // The wire signs ahead once it holds credentials (loaded at its first call).
      await caller.call(batch, allEntries(1));
      built.length = 0;
      server.requests.length = 0;
      server.script = [partial(8, 'InternalError'), ok];
      succeeded = 0;
      const prepared = caller.prepare(batch, allEntries(10));
      expect(prepared).toBeDefined();
      expect(built).toEqual([[...Array(10).keys()]]);
      await caller.call(batch, allEntries(10), prepared);
    } finally {
      wire.close();
      stop.close();
    }
    expect(built).toEqual([[...Array(10).keys()], [8, 9]]);
    expect(server.requests.map((r) => r.ids)).toEqual([ids(0, 10), ['8', '9']]);
    expect(succeeded).toBe(10);
  });
});

describe('unreportedIds', () => {
  it('names the entries a reply names in neither list, and none when it names them all', () => {
    expect(unreportedIds([0, 1, 2, 3], { Successful: [{ Id: '0' }], Failed: [{ Id: '2', Code: 'X' }] })).toEqual([1, 3]);
    expect(unreportedIds([4, 5], { Successful: [{ Id: '4' }, { Id: '5' }] })).toEqual([]);
    expect(unreportedIds([4, 5], { Failed: [{ Id: '5', Code: 'X' }] })).toEqual([4]);
    expect(unreportedIds([7], {})).toEqual([7]);
  });
});

describe('allEntries', () => {
  it('is 0..n-1, also past the shared lists', () => {
    expect(allEntries(0)).toEqual([]);
    expect(allEntries(3)).toEqual([0, 1, 2]);
    expect(allEntries(10)).toEqual([...Array(10).keys()]);
    expect(allEntries(12)).toEqual([...Array(12).keys()]);
  });
});
