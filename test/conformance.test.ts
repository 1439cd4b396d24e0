/**
 * Conformance of the lean hot path (sqs/wire.ts, requests.ts, http1*.ts, error-codes.ts) with the
 * AWS SDK it replaces, both captured at one real local HTTP server: the SDK really serialises,
 * signs and parses here (no mocked client), and the lean side is driven the way the workers drive
 * it (SendBatchWriter + BatchCaller, receiveRequest + readReceiveReply, deleteRequest, drain's
 * ChangeMessageVisibilityBatch heartbeat).
 *
 * Part 1, requests: for every hot action the two agree on method, path, the headers that matter
 * and the JSON body (parsed, deep-equal); the lean request as it went on the wire is a valid SigV4
 * request (re-signed here by the SDK's own signer over its signed headers). test/sigv4.test.ts
 * already proves the signer equal to the SDK's for given headers; this checks what is sent.
 *
 * Part 2, replies: a corpus of error replies SQS (or something in front of it) sends, served to a
 * drain's ReceiveMessage and to a send lane's SendMessageBatch (through BatchCaller); the lean
 * path names each with the SDK's code and agrees on whether it is worth another attempt, the SDK's
 * side of that being its own StandardRetryStrategy's decision (did it send the call again?) and
 * @smithy/core's classification.
 *
 * One row per action or reply: a new one is one more row.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type MessageAttributeValue,
  type QueueAttributeName,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { ConfiguredRetryStrategy, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SdkError } from '@smithy/types';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../src/config.js';
import { asSqsError, SqsError } from '../src/errors.js';
import { createSharedState, LiveRow } from '../src/metrics/live.js';
import { PayloadFactory } from '../src/payload.js';
import { readReceiveReply, type ReceivedMessage } from '../src/sqs/receive-reply.js';
import { deleteRequest, entriesPrefix, receiveRequest, SendBatchWriter, withAttemptId, type FifoIds } from '../src/sqs/requests.js';
import { SqsWire } from '../src/sqs/wire.js';
import { allEntries, BatchCaller, type BatchEntries, type BatchReply } from '../src/worker-kit/batch-call.js';
import { Meter } from '../src/worker-kit/meter.js';
import { StopSignals } from '../src/worker-kit/stop-signals.js';
import { attributeList, entryExtras } from '../src/workload/extras.js';
import { MAX_REQUEST_BYTES } from '../src/workload/fill.js';
import { BodyTemplate, HEAD_ATTRIBUTE } from '../src/workload/template.js';

const REGION = 'eu-west-1';
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Captured {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** What the server answers one request: status, headers, body, or a connection cut mid-body. */
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Send the head and `body`, then drop the connection before the promised length. */
  cut?: boolean;
}

/**
 * The one server both clients talk to: records every request and answers it. By default a valid
 * reply for the action (what the SDK's MD5 checks accept); `answer` overrides it (part 2).
 */
class Recorder {
  readonly requests: Captured[] = [];
  answer: ((c: Captured) => Answer) | undefined;
  private server!: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const c: Captured = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
        this.requests.push(c);
        const a = this.answer?.(c) ?? validReply(c);
        const body = Buffer.from(a.body ?? '', 'utf8');
        if (a.cut) {
          res.writeHead(a.status, { ...a.headers, 'content-length': String(body.length + 100) });
          res.write(body);
          setTimeout(() => res.socket?.destroy(), 10);
          return;
        }
        res.writeHead(a.status, { ...a.headers, 'content-length': String(body.length) });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  take(): Captured[] {
    return this.requests.splice(0);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const JSON_TYPE = { 'content-type': 'application/x-amz-json-1.0' };

/** A valid reply to a hot action: every entry successful, MD5s right (the SDK checks them). */
function validReply(c: Captured): Answer {
  const target = String(c.headers['x-amz-target']);
  const req = JSON.parse(c.body.toString('utf8')) as { Entries?: Array<{ Id: string; MessageBody?: string }> };
  let reply: unknown;
  if (target === 'AmazonSQS.SendMessageBatch') {
    reply = { Successful: req.Entries!.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: md5(e.MessageBody!) })), Failed: [] };
  } else if (target === 'AmazonSQS.ReceiveMessage') {
    const body = '{"id":"not-ours"}';
    reply = { Messages: [{ MessageId: 'm-1', ReceiptHandle: 'rh-1', MD5OfBody: md5(body), Body: body, Attributes: { SentTimestamp: '1764633600000', ApproximateReceiveCount: '1' } }] };
  } else {
    reply = { Successful: req.Entries!.map((e) => ({ Id: e.Id })), Failed: [] };
  }
  return { status: 200, headers: JSON_TYPE, body: JSON.stringify(reply) };
}

const server = new Recorder();
beforeAll(() => server.start());
afterAll(() => server.stop());

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const connection = (creds: Creds): Connection => ({
  endpoint: server.url,
  region: REGION,
  // The lean path's static keys carry a session token like any identity the chain hands it.
  staticCredentials: creds,
  client: 'lean',
  requestTimeoutMs: 5000,
  maxRetries: 0,
  verifyMd5: false,
  maxConnectionAgeMs: 0,
});

/** A worker's kit around one wire: its meter and stop signals (real ones, over shared memory). */
function workerKit(creds: Creds, maxRetries = 0) {
  const live = new LiveRow(createSharedState(1), 0);
  const meter = new Meter(live, Date.now(), ['sendCall', 'deleteCall'], 'send');
  const stop = new StopSignals(live, 1000);
  const wire = new SqsWire(connection(creds), 2);
  const caller = new BatchCaller(wire, meter, stop, maxRetries);
  return {
    wire,
    caller,
    close() {
      wire.close();
      stop.close();
      meter.stopSampling();
    },
  };
}

type Kit = ReturnType<typeof workerKit>;

/** A lean *Batch call as the workers make it: prepared ahead (send) or not, through BatchCaller. */
async function batchCall(kit: Kit, action: BatchEntries<BatchReply>['action'], request: (pending: number[]) => Buffer, n: number, prepare: boolean): Promise<void> {
  let ok = 0;
  const failed: string[] = [];
  const batch: BatchEntries<BatchReply> = {
    action,
    request,
    succeeded: (reply) => (ok += reply.Successful?.length ?? 0),
    failed: (_entries, code) => failed.push(code),
  };
  const entries = allEntries(n);
  await kit.caller.call(batch, entries, prepare ? kit.caller.prepare(batch, entries) : undefined);
  expect(failed).toEqual([]);
  expect(ok).toBe(n);
}

const QUEUE = (fifo = false) => `${server.url}/123456789012/conformance${fifo ? '.fifo' : ''}`;
const IDENTITY = { runId: 'r7', shard: 2, shards: 4, of: 1000, total: 4000 };
const SENT_AT = 1_764_633_600_123;
const FIRST_SEQ = 40;

interface SendCase {
  fifo?: FifoIds;
  group?: number;
  attributes?: number;
  delaySeconds?: number;
  size?: number;
  /** --body-template: the user's bodies, the integrity head in the sqs-blast attribute. */
  template?: string;
}

/** The lean SendMessageBatch as workers/producer.ts writes it (its writer, its extras). */
function leanSend(c: SendCase, factory: PayloadFactory) {
  const extras = entryExtras(c.attributes ?? 0, c.delaySeconds ?? 0);
  const template = c.template !== undefined ? { bodies: new BodyTemplate(c.template, factory), extras } : undefined;
  const writer = new SendBatchWriter([QUEUE(c.fifo !== undefined)], factory, c.fifo, undefined, extras.json, MAX_REQUEST_BYTES, template);
  const buf = writer.allocate(10);
  return (kit: Kit) => batchCall(kit, 'SendMessageBatch', (pending) => writer.write(buf, 0, pending, FIRST_SEQ, SENT_AT, c.group), 10, true);
}

/**
 * The same batch in the SDK's terms, built from what each field means (the body the payload
 * factory makes, the group and deduplication ids a FIFO run uses, the attributes --message-attributes
 * N adds), not from the lean request's bytes.
 */
function sdkSend(c: SendCase, factory: PayloadFactory) {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const a of attributeList(c.attributes ?? 0)) attributes[a.name] = { DataType: a.type, StringValue: a.value };
  const template = c.template !== undefined ? new BodyTemplate(c.template, factory) : undefined;
  const Entries: SendMessageBatchRequestEntry[] = Array.from({ length: 10 }, (_, i) => {
    const seq = FIRST_SEQ + i;
    // A templated body carries our head (run, shard, seq, sent at) beside it, in an attribute.
    const withHead: Record<string, MessageAttributeValue> = { ...attributes };
    if (template) withHead[HEAD_ATTRIBUTE] = { DataType: 'String', StringValue: factory.headJson(seq, SENT_AT, c.group) };
    return {
      Id: String(i),
      MessageBody: template ? template.render(seq, SENT_AT) : factory.body(seq, SENT_AT, c.group),
      ...(c.group !== undefined ? { MessageGroupId: `g${c.group}` } : {}),
      ...(c.group !== undefined && !c.fifo!.contentDedup ? { MessageDeduplicationId: `${IDENTITY.runId}-${IDENTITY.shard}-${seq}` } : {}),
      ...(c.delaySeconds ? { DelaySeconds: c.delaySeconds } : {}),
      ...(Object.keys(withHead).length ? { MessageAttributes: withHead } : {}),
    };
  });
  return new SendMessageBatchCommand({ QueueUrl: QUEUE(c.fifo !== undefined), Entries });
}

const RECEIVE = { maxMessages: 10, waitTimeSeconds: 20 };
/** What drain.ts asks every receive for (requests.ts receiveRequest). */
const RECEIVE_ATTRIBUTES = {
  MessageSystemAttributeNames: ['SentTimestamp' as const, 'ApproximateReceiveCount' as const],
  // The older name of the same list (requests.ts), which the SDK types with the queue's attribute names.
  AttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'] as unknown as QueueAttributeName[],
  MessageAttributeNames: [HEAD_ATTRIBUTE],
};

/** As the drain's poller: the queue's fixed request, read with the skimming reader. */
async function leanReceive(kit: Kit, request: Buffer, fixedBody: boolean): Promise<void> {
  const got = await kit.wire.call<ReceivedMessage[]>('ReceiveMessage', request, { timeoutMs: 25_000, read: readReceiveReply, fixedBody });
  expect(got.map((m) => m.receiptHandle)).toEqual(['rh-1']);
}

/** Receipt handles as SQS makes them, and ones that need JSON escapes (the writer's slow branch). */
const HANDLES = ['AQEBzbVv/8n+Qw==' + 'x'.repeat(300), 'AQEB"quoted"\\back', 'AQEB é 日本 😀', 'AQEBplain', 'AQEB\u0001ctl'];
const received = (handles: string[]): ReceivedMessage[] => handles.map((receiptHandle) => ({ receiptHandle, head: undefined, bodyBytes: 1, sentTimestamp: NaN, receiveCount: 1 }));

/** Both sides of a SendMessageBatch row, from one payload factory (its padding is random per factory). */
function sendRow(name: string, c: SendCase): RequestRow {
  const factory = new PayloadFactory(IDENTITY, c.size ?? 1024);
  // Built when the row runs: the queue URL names the server's port.
  return { name, action: 'SendMessageBatch', lean: (kit) => leanSend(c, factory)(kit), sdk: (client) => client.send(sdkSend(c, factory)) };
}

interface RequestRow {
  name: string;
  action: 'SendMessageBatch' | 'ReceiveMessage' | 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch';
  lean: (kit: Kit) => Promise<void>;
  sdk: (client: SQSClient) => Promise<unknown>;
}

const REQUESTS: RequestRow[] = [
  sendRow('SendMessageBatch, standard', {}),
  sendRow('SendMessageBatch, FIFO: MessageGroupId and MessageDeduplicationId', { fifo: { contentDedup: false, runId: IDENTITY.runId, shard: IDENTITY.shard }, group: 3 }),
  sendRow('SendMessageBatch, FIFO with content-based deduplication: MessageGroupId only', { fifo: { contentDedup: true, runId: IDENTITY.runId, shard: IDENTITY.shard }, group: 0 }),
  sendRow('SendMessageBatch, message attributes', { attributes: 4 }),
  sendRow('SendMessageBatch, DelaySeconds', { delaySeconds: 5 }),
  sendRow('SendMessageBatch, attributes and DelaySeconds, 10 KB bodies', { attributes: 10, delaySeconds: 900, size: 10_240 }),
  sendRow('SendMessageBatch, --body-template bodies', { template: '{"order":{{seq}},"id":"{{uuid}}","at":"{{now}}","note":"quote \\" é 😀"}' }),
  sendRow('SendMessageBatch, --body-template on FIFO with attributes and DelaySeconds', {
    template: 'order {{seq}}',
    fifo: { contentDedup: false, runId: IDENTITY.runId, shard: IDENTITY.shard },
    group: 1,
    attributes: 3,
    delaySeconds: 2,
  }),
  {
    name: 'ReceiveMessage, with the attribute names the drain asks for',
    action: 'ReceiveMessage',
    lean: (kit) => leanReceive(kit, receiveRequest(QUEUE(), RECEIVE), true),
    sdk: (client) => client.send(new ReceiveMessageCommand({ QueueUrl: QUEUE(), MaxNumberOfMessages: 10, WaitTimeSeconds: 20, ...RECEIVE_ATTRIBUTES })),
  },
  {
    name: 'ReceiveMessage, with a VisibilityTimeout',
    action: 'ReceiveMessage',
    lean: (kit) => leanReceive(kit, receiveRequest(QUEUE(), { ...RECEIVE, visibilityTimeout: 45 }), true),
    sdk: (client) => client.send(new ReceiveMessageCommand({ QueueUrl: QUEUE(), MaxNumberOfMessages: 10, WaitTimeSeconds: 20, VisibilityTimeout: 45, ...RECEIVE_ATTRIBUTES })),
  },
  {
    name: 'ReceiveMessage, FIFO with ReceiveRequestAttemptId',
    action: 'ReceiveMessage',
    lean: (kit) => leanReceive(kit, withAttemptId(receiveRequest(QUEUE(true), RECEIVE), '5c1e4b7e-8a1f-4c1e-9d7a-0f3c2b1a9e8d'), false),
    sdk: (client) => client.send(new ReceiveMessageCommand({ QueueUrl: QUEUE(true), MaxNumberOfMessages: 10, WaitTimeSeconds: 20, ...RECEIVE_ATTRIBUTES, ReceiveRequestAttemptId: '5c1e4b7e-8a1f-4c1e-9d7a-0f3c2b1a9e8d' })),
  },
  {
    name: 'DeleteMessageBatch, handles plain and needing escapes',
    action: 'DeleteMessageBatch',
    lean: (kit) => {
      const holder = { buf: Buffer.allocUnsafe(64) };
      return batchCall(kit, 'DeleteMessageBatch', (pending) => deleteRequest(holder, entriesPrefix(QUEUE()), received(HANDLES), pending), HANDLES.length, false);
    },
    sdk: (client) => client.send(new DeleteMessageBatchCommand({ QueueUrl: QUEUE(), Entries: HANDLES.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle })) })),
  },
  {
    name: 'ChangeMessageVisibilityBatch, the --extend-visibility heartbeat',
    action: 'ChangeMessageVisibilityBatch',
    // As drain.ts extend(): JSON.stringify of the entries still being worked on.
    lean: (kit) =>
      kit.wire
        .call('ChangeMessageVisibilityBatch', JSON.stringify({ QueueUrl: QUEUE(), Entries: HANDLES.map((h, i) => ({ Id: String(i), ReceiptHandle: h, VisibilityTimeout: 30 })) }))
        .then(() => undefined),
    sdk: (client) => client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: QUEUE(), Entries: HANDLES.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle, VisibilityTimeout: 30 })) })),
  },
];

/** Headers whose values must be the same on both sides (host, date and token included). */
const SAME_HEADERS = ['content-type', 'x-amz-target', 'host', 'x-amz-date', 'x-amz-security-token'];
/**
 * What only the SDK sends: its bookkeeping (user agent, invocation id, attempt count) and
 * x-amzn-query-mode, which asks a query-compatible service for the x-amzn-query-error header;
 * the lean path reads that header when it comes and names errors from the JSON body otherwise
 * (part 2 checks both). Anything else only one side sends fails the test.
 */
const SDK_ONLY = new Set(['x-amz-user-agent', 'user-agent', 'amz-sdk-invocation-id', 'amz-sdk-request', 'x-amzn-query-mode', 'connection', 'authorization']);
const LEAN_ONLY = new Set(['user-agent', 'authorization']);

/** The lean request re-signed by the SDK's signer over the headers lean signed: the signature must be the one it sent. */
async function expectValidSignature(c: Captured, creds: Creds): Promise<void> {
  const auth = String(c.headers.authorization);
  const signedNames = /SignedHeaders=([^,]+)/.exec(auth)![1].split(';');
  const headers: Record<string, string> = {};
  for (const name of signedNames) headers[name] = String(c.headers[name]);
  const date = String(c.headers['x-amz-date']);
  const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  const signer = new SignatureV4({ credentials: creds, region: REGION, service: 'sqs', sha256: Hash.bind(null, 'sha256') });
  const host = String(c.headers.host);
  const signed = await signer.sign({ method: c.method, protocol: 'http:', hostname: host, path: c.url, query: {}, headers, body: c.body }, { signingDate });
  expect(signed.headers.authorization).toBe(auth);
}

describe.each([
  ['long-term keys', { accessKeyId: 'AKIDCONFORMANCE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }],
  ['a session token', { accessKeyId: 'ASIACONFORMANCE', secretAccessKey: 'secret/with+chars', sessionToken: 'FwoGZXIvYXdzEXAMPLE//TOKEN==' }],
] as Array<[string, Creds]>)('lean requests against the SDK\'s, signed with %s', (_name, creds) => {
  let sdk: SQSClient;
  let kit: Kit;
  beforeEach(() => {
    // One frozen clock for both signers, so x-amz-date must match to the second (timers stay real).
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-02T00:59:58.250Z') });
    sdk = new SQSClient({ region: REGION, endpoint: server.url, credentials: creds, maxAttempts: 1 });
    kit = workerKit(creds);
    server.take();
  });
  afterEach(() => {
    vi.useRealTimers();
    sdk.destroy();
    kit.close();
  });

  it.each(REQUESTS)('$name', async (row) => {
    await row.sdk(sdk);
    const [fromSdk, ...extraSdk] = server.take();
    await row.lean(kit);
    const [fromLean, ...extraLean] = server.take();
    expect(extraSdk).toEqual([]);
    expect(extraLean).toEqual([]);

    expect(fromLean.method).toBe('POST');
    expect([fromLean.method, fromLean.url]).toEqual([fromSdk.method, fromSdk.url]);
    for (const name of SAME_HEADERS) expect(fromLean.headers[name], name).toEqual(fromSdk.headers[name]);
    expect(fromLean.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(fromLean.headers['x-amz-target']).toBe(`AmazonSQS.${row.action}`);
    expect(fromLean.headers.host).toBe(new URL(server.url).host);
    expect(fromLean.headers['x-amz-security-token']).toBe(creds.sessionToken);
    // Each side's hash and length are of its own bytes (the bodies are equal as JSON, not byte for byte).
    for (const c of [fromLean, fromSdk]) {
      expect(c.headers['x-amz-content-sha256']).toBe(sha256(c.body));
      expect(c.headers['content-length']).toBe(String(c.body.length));
    }
    const onlyLean = Object.keys(fromLean.headers).filter((h) => !(h in fromSdk.headers) && !LEAN_ONLY.has(h));
    const onlySdk = Object.keys(fromSdk.headers).filter((h) => !(h in fromLean.headers) && !SDK_ONLY.has(h));
    expect({ onlyLean, onlySdk }).toEqual({ onlyLean: [], onlySdk: [] });
    // Lean signs a subset of what the SDK signs: every header that reaches the service's checks.
    const signedBy = (c: Captured) => /SignedHeaders=([^,]+)/.exec(String(c.headers.authorization))![1].split(';');
    expect(signedBy(fromSdk)).toEqual(expect.arrayContaining(signedBy(fromLean)));
    expect(signedBy(fromLean)).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date', 'x-amz-target', 'x-amz-content-sha256', ...(creds.sessionToken ? ['x-amz-security-token'] : [])]));

    expect(JSON.parse(fromLean.body.toString('utf8'))).toEqual(JSON.parse(fromSdk.body.toString('utf8')));
    await expectValidSignature(fromLean, creds);
  });
});

// ---------------------------------------------------------------------------------------------
// Part 2: replies.

interface ReplyRow {
  name: string;
  /** The reply to every attempt (a function: one made when it is sent, e.g. a Date header). */
  answer: Answer | (() => Answer);
  /** The SDK's err.name (for a dropped connection, its err.code). */
  sdk: string;
  /**
   * The lean code when the SDK names none (its name is `Unknown`: no code anywhere in the reply;
   * or `SyntaxError`: a body that is not JSON): the lean path then names the HTTP status
   * (Http503) or, for a 200, InvalidResponse, so metrics and logs say what came back. Absent:
   * the same as the SDK's.
   */
  lean?: string;
  /** Whether the SDK sends the call again (its StandardRetryStrategy, observed at the server). */
  retried: boolean;
}

const json = (status: number, body: object, headers: Record<string, string> = {}): Answer => ({ status, headers: { ...JSON_TYPE, ...headers }, body: JSON.stringify(body) });
const html = (status: number, title: string): Answer => ({ status, headers: { 'content-type': 'text/html' }, body: `<html><head><title>${status} ${title}</title></head><body><center><h1>${status} ${title}</h1></center></body></html>` });
const QUERY = (code: string, fault = 'Sender') => ({ 'x-amzn-query-error': `${code};${fault}` });

const REPLIES: ReplyRow[] = [
  { name: 'QueueDoesNotExist, namespaced __type', answer: json(400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' }), sdk: 'QueueDoesNotExist', retried: false },
  { name: 'QueueDoesNotExist, bare __type', answer: json(400, { __type: 'QueueDoesNotExist', message: 'The specified queue does not exist.' }), sdk: 'QueueDoesNotExist', retried: false },
  {
    name: 'QueueDoesNotExist with its x-amzn-query-error header (as SQS sends it)',
    answer: json(400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' }, QUERY('AWS.SimpleQueueService.NonExistentQueue')),
    sdk: 'QueueDoesNotExist',
    retried: false,
  },
  { name: 'x-amzn-query-error header alone, empty body', answer: { status: 400, headers: QUERY('AWS.SimpleQueueService.NonExistentQueue') }, sdk: 'QueueDoesNotExist', retried: false },
  {
    name: 'x-amzn-query-error header of a batch error',
    answer: json(400, { __type: 'com.amazonaws.sqs#TooManyEntriesInBatchRequest', message: 'Maximum number of entries per request are 10.' }, QUERY('AWS.SimpleQueueService.TooManyEntriesInBatchRequest')),
    sdk: 'TooManyEntriesInBatchRequest',
    retried: false,
  },
  { name: 'x-amzn-query-error header of a KMS throttle alone', answer: { status: 400, headers: QUERY('KMS.ThrottlingException') }, sdk: 'KmsThrottled', retried: false },
  { name: 'KmsThrottled', answer: json(400, { __type: 'com.amazonaws.sqs#KmsThrottled', message: 'Rate exceeded' }, QUERY('KMS.ThrottlingException')), sdk: 'KmsThrottled', retried: false },
  {
    name: 'x-amzn-query-error header of a code SQS does not model (the header wins over __type)',
    answer: json(400, { __type: 'com.amazonaws.sqs#SomethingNew', message: 'm' }, QUERY('AWS.SimpleQueueService.SomethingNew')),
    sdk: 'AWS.SimpleQueueService.SomethingNew',
    retried: false,
  },
  { name: 'ThrottlingException', answer: json(400, { __type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate exceeded' }), sdk: 'ThrottlingException', retried: true },
  { name: 'ThrottlingException with a 429', answer: json(429, { __type: 'ThrottlingException', message: 'Rate exceeded' }), sdk: 'ThrottlingException', retried: true },
  {
    name: 'ThrottlingException, __type with a coral URI suffix',
    answer: json(400, { __type: 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/', message: 'Rate exceeded' }),
    sdk: 'ThrottlingException',
    retried: true,
  },
  { name: 'RequestThrottled (403, with its query header)', answer: json(403, { __type: 'com.amazonaws.sqs#RequestThrottled', message: 'Request is throttled.' }, QUERY('RequestThrottled')), sdk: 'RequestThrottled', retried: true },
  { name: 'a throttle named only by x-amzn-ErrorType', answer: { status: 400, headers: { 'x-amzn-ErrorType': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/' } }, sdk: 'ThrottlingException', retried: true },
  { name: 'a throttle code of the SDK\'s list SQS does not model (Throttling, in a body `code`)', answer: json(400, { code: 'Throttling', message: 'Rate exceeded' }), sdk: 'Throttling', retried: true },
  { name: '429 without a body', answer: { status: 429 }, sdk: 'Unknown', lean: 'Http429', retried: true },
  { name: '500 InternalError', answer: json(500, { __type: 'com.amazonaws.sqs#InternalError', message: 'We encountered an internal error. Please try again.' }), sdk: 'InternalError', retried: true },
  { name: '500 InternalFailure', answer: json(500, { __type: 'InternalFailure' }), sdk: 'InternalFailure', retried: true },
  { name: '503 ServiceUnavailable', answer: json(503, { __type: 'com.amazonaws.sqs#ServiceUnavailable', message: 'Service is unavailable.' }), sdk: 'ServiceUnavailable', retried: true },
  { name: '503 with an empty body', answer: { status: 503 }, sdk: 'Unknown', lean: 'Http503', retried: true },
  { name: '501 NotImplemented (a 5xx the SDK does not retry)', answer: json(501, { __type: 'NotImplemented', message: 'm' }), sdk: 'NotImplemented', retried: false },
  { name: '502 HTML page from a load balancer', answer: html(502, 'Bad Gateway'), sdk: 'SyntaxError', lean: 'Http502', retried: true },
  { name: '504 HTML page from a proxy', answer: html(504, 'Gateway Time-out'), sdk: 'SyntaxError', lean: 'Http504', retried: true },
  { name: '403 HTML page from a proxy', answer: html(403, 'Forbidden'), sdk: 'SyntaxError', lean: 'Http403', retried: false },
  { name: '500 with a cut JSON body', answer: { status: 500, headers: JSON_TYPE, body: '{"__type":"com.amazonaws.sqs#Internal' }, sdk: 'SyntaxError', lean: 'Http500', retried: true },
  { name: '200 with a cut JSON body', answer: { status: 200, headers: JSON_TYPE, body: '{"Messages":[{"MessageId":"m-1","ReceiptHandle":"rh' }, sdk: 'SyntaxError', lean: 'InvalidResponse', retried: false },
  { name: 'connection dropped mid-body', answer: { status: 200, headers: JSON_TYPE, body: '{"Messages":[', cut: true }, sdk: 'ECONNRESET', retried: true },
  { name: '403 InvalidClientTokenId', answer: json(403, { __type: 'com.amazon.coral.service#InvalidClientTokenId', message: 'The security token included in the request is invalid.' }), sdk: 'InvalidClientTokenId', retried: false },
  {
    name: '403 SignatureDoesNotMatch',
    answer: json(403, { __type: 'com.amazon.coral.service#SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' }),
    sdk: 'SignatureDoesNotMatch',
    retried: false,
  },
  {
    name: '403 SignatureDoesNotMatch from a server whose clock is 10 minutes ahead (both correct the clock and sign again)',
    answer: () => json(403, { __type: 'com.amazon.coral.service#SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' }, { date: new Date(Date.now() + 600_000).toUTCString() }),
    sdk: 'SignatureDoesNotMatch',
    retried: true,
  },
  {
    name: '400 InvalidSignatureException "Signature expired" on a clock that is right (the SDK retries it as transient)',
    answer: json(400, { __type: 'com.amazon.coral.service#InvalidSignatureException', message: 'Signature expired: 20261202T000000Z is now earlier than 20261202T000500Z (20261202T001000Z - 5 min.)' }),
    sdk: 'InvalidSignatureException',
    retried: true,
  },
  { name: '400 ExpiredTokenException', answer: json(400, { __type: 'com.amazon.coral.service#ExpiredTokenException', message: 'The security token included in the request is expired' }), sdk: 'ExpiredTokenException', retried: false },
  { name: '403 AccessDeniedException', answer: json(403, { __type: 'com.amazon.coral.service#AccessDeniedException', message: 'User is not authorized' }), sdk: 'AccessDeniedException', retried: false },
  { name: '400 InvalidParameterValue', answer: json(400, { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'Value for parameter is invalid.' }), sdk: 'InvalidParameterValue', retried: false },
  { name: '400 OverLimit', answer: json(400, { __type: 'com.amazonaws.sqs#OverLimit', message: 'Too many messages in flight.' }, QUERY('OverLimit')), sdk: 'OverLimit', retried: false },
  { name: '400 ValidationException (coral namespace)', answer: json(400, { __type: 'com.amazon.coral.validate#ValidationException', message: 'm' }), sdk: 'ValidationException', retried: false },
];

/** Small bodies: the corpus is about replies. */
const CORPUS_FACTORY = new PayloadFactory(IDENTITY, 256);

/** The SDK's name for what it threw: a modelled or named error's name, a dropped connection's code. */
const sdkCodeOf = (e: { name: string; code?: string }) => (e.name === 'Error' && e.code ? e.code : e.name);

/** How each side makes one call of an action, for the corpus; lean's verdict as its caller acts on it. */
interface Driver {
  action: string;
  sdk: (client: SQSClient) => Promise<unknown>;
  /** The lean code, and whether the call went out again (`attempts`: requests the server saw). */
  lean: (creds: Creds) => Promise<{ code: string; retried: (attempts: number) => boolean }>;
}

const DRIVERS: Driver[] = [
  {
    action: 'ReceiveMessage, as the drain polls',
    sdk: (client) => client.send(new ReceiveMessageCommand({ QueueUrl: QUEUE(), MaxNumberOfMessages: 10, WaitTimeSeconds: 20, ...RECEIVE_ATTRIBUTES })),
    lean: async (creds) => {
      const kit = workerKit(creds);
      try {
        const e = await kit.wire.call('ReceiveMessage', receiveRequest(QUEUE(), RECEIVE), { timeoutMs: 5000, read: readReceiveReply, fixedBody: true }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(e).toBeInstanceOf(SqsError);
        const err = asSqsError(e);
        // The poller polls again on err.retryable; the wire itself signs again after a clock or credentials refusal it put right.
        return { code: err.code, retried: (attempts) => err.retryable || attempts > 1 };
      } finally {
        kit.close();
      }
    },
  },
  {
    action: 'SendMessageBatch, through BatchCaller with one retry',
    sdk: (client) => client.send(sdkSend({}, CORPUS_FACTORY)),
    lean: async (creds) => {
      const kit = workerKit(creds, 1);
      try {
        const writer = new SendBatchWriter([QUEUE()], CORPUS_FACTORY, undefined, undefined, '', MAX_REQUEST_BYTES);
        const buf = writer.allocate(10);
        const codes: string[] = [];
        let ok = 0;
        const batch: BatchEntries<BatchReply> = {
          action: 'SendMessageBatch',
          request: (pending) => writer.write(buf, 0, pending, FIRST_SEQ, SENT_AT),
          succeeded: (reply) => (ok += reply.Successful?.length ?? 0),
          failed: (_entries, code) => codes.push(code),
        };
        await kit.caller.call(batch, allEntries(10));
        expect(ok).toBe(0);
        // Every entry ends failed, all at once, under the last attempt's code.
        expect(codes).toHaveLength(1);
        return { code: codes[0], retried: (attempts) => attempts > 1 };
      } finally {
        kit.close();
      }
    },
  },
];

describe.each(DRIVERS)('lean error classification against the SDK\'s: $action', (driver) => {
  const creds = { accessKeyId: 'AKIDCONFORMANCE', secretAccessKey: 's' };

  it.each(REPLIES)('$name', async (row) => {
    server.answer = typeof row.answer === 'function' ? row.answer : () => row.answer as Answer;
    try {
      server.take();
      // A fresh client and wire per row: a clock correction or used retry capacity stays behind.
      // Two attempts with no wait: the SDK's own strategy decides whether there is a second.
      const sdk = new SQSClient({ region: REGION, endpoint: server.url, credentials: creds, retryStrategy: new ConfiguredRetryStrategy(2, 0) });
      const fromSdk = (await driver.sdk(sdk).then(
        () => undefined,
        (e: unknown) => e,
      )) as (SdkError & { code?: string }) | undefined;
      sdk.destroy();
      const sdkAttempts = server.take().length;
      expect(fromSdk, 'the SDK took the reply for a success').toBeDefined();
      expect(sdkCodeOf(fromSdk!)).toBe(row.sdk);
      expect(sdkAttempts > 1, `SDK attempts: ${sdkAttempts}`).toBe(row.retried);
      // The SDK's classification agrees with its strategy's decision (StandardRetryStrategy retries THROTTLING and TRANSIENT).
      expect(isThrottlingError(fromSdk!) || isTransientError(fromSdk!)).toBe(row.retried);

      const lean = await driver.lean(creds);
      const leanAttempts = server.take().length;
      expect(lean.code).toBe(row.lean ?? row.sdk);
      expect(lean.retried(leanAttempts), `${lean.code}: ${leanAttempts} attempts`).toBe(row.retried);
    } finally {
      server.answer = undefined;
    }
  });
});
