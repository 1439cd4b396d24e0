/**
 * One drain worker thread: a set of pollers, each a loop of long-poll ReceiveMessage on one
 * queue followed by DeleteMessageBatch of what came back. Every received message is counted
 * (and its seq marked in the integrity bitmap) before it is deleted, so a stop can never delete
 * a message the report does not know about. A delete that finally fails is counted: that
 * message will come back, as a duplicate, not as a loss.
 */
import { setMaxListeners } from 'node:events';
import type { Connection } from '../src/config.js';
import { asSqsError } from '../src/errors.js';
import { bump, type CountMap } from '../src/metrics/counters.js';
import { createHistogram, encode, recordMs } from '../src/metrics/histogram.js';
import { IntegrityTracker, type IntegrityJson } from '../src/metrics/integrity.js';
import { CONTROL, LiveRow, type SharedState } from '../src/metrics/live.js';
import { LoopMeter } from '../src/metrics/loop.js';
import { Timeline, type TimelineJson } from '../src/metrics/timeline.js';
import { isRetryable, isThrottle, OWN_CODES } from '../src/sqs/error-codes.js';
import { billedRequests } from '../src/sqs/billing.js';
import { backoffMs, sleep, unreportedIds, type BatchReply } from '../src/sqs/retry.js';
import { readReceiveReply, type ReceivedMessage } from '../src/sqs/receive-reply.js';
import { deleteRequest, entriesPrefix, receiveRequest } from '../src/sqs/requests.js';
import { SqsWire } from '../src/sqs/wire.js';

export interface DrainTask {
  row: number;
  state: SharedState;
  connection: Connection;
  queueUrls: string[];
  /** One entry per poller: the index of the queue it polls. */
  pollers: number[];
  maxMessages: number;
  waitTimeSeconds: number;
  visibilityTimeout?: number;
  runIdFilter?: string;
  /** run: a bitmap shared by all drain threads for this process's own (runId, shard). */
  sharedSeen?: { runId: string; shard: number; of: number; words: SharedArrayBuffer };
  startMs: number;
  endMs?: number;
}

export interface DrainWorkerResult {
  received: number;
  foreign: number;
  deleted: number;
  deleteFailed: number;
  receiveCalls: number;
  emptyReceives: number;
  retries: number;
  errors: CountMap;
  histograms: { receiveCall: string; deleteCall: string; e2e: string };
  receiveUnits: number;
  deleteCalls: number;
  /** null when the queues are not FIFO. */
  orderViolations: number | null;
  integrity: IntegrityJson[];
  timeline: TimelineJson;
}

const now = () => performance.timeOrigin + performance.now();
export default async function drainWorker(task: DrainTask): Promise<DrainWorkerResult> {
  const live = new LiveRow(task.state, task.row);
  const control = live.control;
  const wire = new SqsWire(task.connection, task.pollers.length * 2);
  const integrity = new IntegrityTracker();
  const seen = task.sharedSeen;
  const seenWords = seen ? new Int32Array(seen.words) : undefined;
  const timeline = new Timeline(task.startMs);
  const loop = new LoopMeter(timeline);
  const receiveHist = createHistogram();
  const deleteHist = createHistogram();
  const e2eHist = createHistogram();
  const { maxRetries, requestTimeoutMs } = task.connection;
  const result: DrainWorkerResult = {
    received: 0,
    foreign: 0,
    deleted: 0,
    deleteFailed: 0,
    receiveCalls: 0,
    emptyReceives: 0,
    retries: 0,
    errors: {},
    histograms: { receiveCall: '', deleteCall: '', e2e: '' },
    receiveUnits: 0,
    deleteCalls: 0,
    orderViolations: task.queueUrls.every((u) => u.endsWith('.fifo')) ? 0 : null,
    integrity: [],
    timeline: timeline.toJSON(),
  };
  const receiveRequests = task.queueUrls.map((url) => receiveRequest(url, task));
  const deletePrefixes = task.queueUrls.map(entriesPrefix);

  // A graceful stop lets polls in flight come back and counts what they bring: cutting a
  // long poll can leave messages received by the server but never seen here (invisible until
  // their visibility timeout). Only the second stop level (grace over, or a second signal)
  // abandons calls in flight.
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const watch = setInterval(() => {
    if (live.stopLevel >= 2) abort.abort();
  }, 25);
  const stopping = () => live.stopLevel >= 1 || (task.endMs !== undefined && now() >= task.endMs);

  function noteError(code: string, at: number): void {
    bump(result.errors, code);
    live.add('errors');
    timeline.add('errors', at);
    timeline.add(`error:${code}`, at);
    if (isThrottle(code)) {
      live.add('throttles');
      timeline.add('throttles', at);
    }
  }

  // FIFO: the highest seq seen per (run, shard, group); a lower one arriving later is out of order.
  const lastInGroup = new Map<string, number>();

  function account(messages: ReceivedMessage[], at: number): void {
    const wall = Date.now();
    for (const m of messages) {
      const head = m.head;
      if (head && (task.runIdFilter === undefined || head.runId === task.runIdFilter)) {
        recordMs(e2eHist, wall - head.sentAt);
        timeline.recordLatency('e2e', at, wall - head.sentAt);
        const fresh = integrity.observe(head);
        if (!fresh) live.add('duplicates');
        if (fresh && result.orderViolations !== null && head.group !== undefined) {
          const key = head.runId + '/' + head.shard + '/' + head.group;
          const last = lastInGroup.get(key) ?? -1;
          if (head.seq < last) result.orderViolations++;
          else lastInGroup.set(key, head.seq);
        }
        if (seen && head.runId === seen.runId && head.shard === seen.shard && head.seq < seen.of) {
          const mask = 1 << (head.seq & 31);
          if (!(Atomics.or(seenWords!, head.seq >>> 5, mask) & mask)) Atomics.add(control, CONTROL.distinct, 1);
        }
      } else {
        result.foreign++;
        live.add('foreign');
        const sent = m.sentTimestamp;
        if (sent > 0) {
          recordMs(e2eHist, wall - sent);
          timeline.recordLatency('e2e', at, wall - sent);
        }
      }
    }
    const n = messages.length;
    result.received += n;
    live.add('received', n);
    live.set('lastMessageAt', wall);
    timeline.add('received', at, n);
    const total = Atomics.add(control, CONTROL.received, n) + n;
    const expect = Atomics.load(control, CONTROL.expect);
    if (expect >= 0 && total >= expect) Atomics.compareExchange(control, CONTROL.stop, 0, 1);
  }

  async function remove(poller: { buf: Buffer }, queue: number, messages: ReceivedMessage[]): Promise<void> {
    let pending = messages.map((_, i) => i);
    const started = now();
    let lastCode = '';
    for (let attempt = 0; pending.length; attempt++) {
      const request = deleteRequest(poller, deletePrefixes[queue], messages, pending);
      try {
        const reply = await wire.call<BatchReply>('DeleteMessageBatch', request, { signal: abort.signal });
        const at = now();
        result.deleteCalls++;
        const ok = reply.Successful?.length ?? 0;
        result.deleted += ok;
        live.add('deleted', ok);
        timeline.add('deleted', at, ok);
        const again: number[] = [];
        for (const f of reply.Failed ?? []) {
          noteError(f.Code, at);
          lastCode = f.Code;
          if (!f.SenderFault && isRetryable(f.Code)) again.push(Number(f.Id));
          else result.deleteFailed++;
        }
        for (const id of unreportedIds(pending, reply)) {
          noteError(OWN_CODES.incompleteReply, at);
          lastCode = OWN_CODES.incompleteReply;
          again.push(id);
        }
        pending = again;
      } catch (e) {
        const err = asSqsError(e);
        noteError(err.code, now());
        lastCode = err.code;
        if (!err.retryable || abort.signal.aborted) break;
      }
      if (!pending.length || attempt >= maxRetries) break;
      result.retries++;
      live.add('retries');
      await sleep(backoffMs(attempt, lastCode), abort.signal);
      if (abort.signal.aborted) break;
    }
    // Whatever is still pending was received and counted but not deleted: it will return.
    result.deleteFailed += pending.length;
    recordMs(deleteHist, now() - started);
  }

  async function poller(queue: number): Promise<void> {
    let failures = 0;
    const own = { buf: Buffer.allocUnsafe(8192) };
    while (!stopping()) {
      const started = now();
      let messages: ReceivedMessage[];
      try {
        messages = await wire.call('ReceiveMessage', receiveRequests[queue], {
          timeoutMs: task.waitTimeSeconds * 1000 + requestTimeoutMs,
          signal: abort.signal,
          read: readReceiveReply,
          fixedBody: true,
        });
        failures = 0;
      } catch (e) {
        const err = asSqsError(e);
        if (err.code === OWN_CODES.aborted) break;
        noteError(err.code, now());
        failures++;
        if (failures > maxRetries && !err.retryable) break;
        result.retries++;
        live.add('retries');
        await sleep(backoffMs(Math.min(failures, 8), err.code), abort.signal);
        continue;
      }
      const at = now();
      result.receiveCalls++;
      let bytes = 0;
      for (const m of messages) bytes += m.bodyBytes;
      result.receiveUnits += billedRequests(bytes);
      if (messages.length === 0) {
        result.emptyReceives++;
        live.add('emptyPolls');
        continue;
      }
      recordMs(receiveHist, at - started);
      timeline.recordLatency('receiveCall', at, at - started);
      account(messages, at);
      await remove(own, queue, messages);
    }
  }

  try {
    await Promise.all(task.pollers.map(poller));
  } finally {
    clearInterval(watch);
    loop.stop();
    wire.close();
  }
  result.histograms = { receiveCall: encode(receiveHist), deleteCall: encode(deleteHist), e2e: encode(e2eHist) };
  result.integrity = integrity.toJSON();
  result.timeline = timeline.toJSON();
  return result;
}
