/**
 * One send worker thread: `lanes` concurrent SendMessageBatch loops over the queues. Batches are
 * claimed from a counter shared by every worker of the process, so seqs stay dense per shard and
 * the total is exact. With a rate, batch k has an intended start time (open model): a lane that
 * falls behind sends at once, and latency is measured from the intended start, so a slow server
 * shows up as latency instead of silently lowering the rate (coordinated omission).
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Connection } from '../src/config.js';
import { asSqsError } from '../src/errors.js';
import { bump, type CountMap } from '../src/metrics/counters.js';
import { createHistogram, encode, recordMs } from '../src/metrics/histogram.js';
import { CONTROL, LiveRow, type SharedState } from '../src/metrics/live.js';
import { LoopMeter } from '../src/metrics/loop.js';
import { Timeline, type TimelineJson } from '../src/metrics/timeline.js';
import { PayloadFactory, type PayloadIdentity } from '../src/payload.js';
import { isRetryable, isThrottle, OWN_CODES } from '../src/sqs/error-codes.js';
import { billedRequests } from '../src/sqs/billing.js';
import { backoffMs, sleep, unreportedIds, type BatchReply } from '../src/sqs/retry.js';
import { SendBatchWriter } from '../src/sqs/requests.js';
import { SqsWire } from '../src/sqs/wire.js';

export interface SendTask {
  row: number;
  state: SharedState;
  connection: Connection;
  queueUrls: string[];
  identity: PayloadIdentity;
  messageSize: number;
  batchSize: number;
  /** Messages this process sends (Infinity: until the deadline or a stop). */
  total: number;
  /** Messages per second for the whole process (open model), if paced. */
  rate?: number;
  lanes: number;
  /** Epoch ms the run started; the pace and the timeline count from here. */
  startMs: number;
  /** Epoch ms after which no new batch starts. */
  endMs?: number;
  /** FIFO queues: each lane owns its groups and sends them in seq order, one call at a time. */
  fifo?: { groups: number; contentDedup: boolean; firstLane: number; totalLanes: number };
}

export interface SendWorkerResult {
  attempted: number;
  sent: number;
  failed: number;
  retries: number;
  errors: CountMap;
  failures: CountMap;
  histogram: string;
  timeline: TimelineJson;
  /** SendMessageBatch calls answered, and the request units SQS bills for them (64 KB each). */
  calls: number;
  billedUnits: number;
}

interface SendBatchReply extends BatchReply {
  Successful?: Array<{ Id: string; MD5OfMessageBody?: string }>;
}

const now = () => performance.timeOrigin + performance.now();

export default async function sendWorker(task: SendTask): Promise<SendWorkerResult> {
  const live = new LiveRow(task.state, task.row);
  const control = live.control;
  const wire = new SqsWire(task.connection, task.lanes);
  const factory = new PayloadFactory(task.identity, task.messageSize);
  const histogram = createHistogram();
  const timeline = new Timeline(task.startMs);
  const loop = new LoopMeter(timeline);
  const verifyMd5 = task.connection.verifyMd5;
  const { batchSize, total, rate } = task;
  const { maxRetries } = task.connection;
  const result: SendWorkerResult = {
    attempted: 0,
    sent: 0,
    failed: 0,
    retries: 0,
    errors: {},
    failures: {},
    histogram: '',
    timeline: timeline.toJSON(),
    calls: 0,
    billedUnits: 0,
  };
  const fifo = task.fifo;
  const writer = new SendBatchWriter(task.queueUrls, factory, fifo && { contentDedup: fifo.contentDedup, runId: task.identity.runId, shard: task.identity.shard });

  // `halt` ends pacing sleeps on a graceful stop; `abort` also cuts in-flight calls.
  const halt = new AbortController();
  const abort = new AbortController();
  // Every lane listens on these two signals.
  setMaxListeners(0, halt.signal, abort.signal);
  const watch = setInterval(() => {
    const level = live.stopLevel;
    if (level >= 1) halt.abort();
    if (level >= 2) abort.abort();
  }, 50);

  function fail(count: number, code: string, at: number): void {
    result.failed += count;
    bump(result.failures, code, count);
    live.add('failed', count);
    timeline.add('failed', at, count);
  }

  function noteError(code: string, at: number, n = 1): void {
    bump(result.errors, code, n);
    live.add('errors', n);
    timeline.add('errors', at, n);
    timeline.add(`error:${code}`, at, n);
    if (isThrottle(code)) {
      live.add('throttles', n);
      timeline.add('throttles', at, n);
    }
  }

  async function sendBatch(buf: Buffer, batch: number, firstSeq: number, count: number, startedAt: number, group?: number): Promise<void> {
    const sentAt = Date.now();
    let pending: number[] = [...Array(count).keys()];
    // FIFO order holds per queue and group: a group always goes to the same queue.
    const queue = (group ?? batch) % task.queueUrls.length;
    result.attempted += count;
    for (let attempt = 0; ; attempt++) {
      // The lane's buffer is free again: the previous call's reply has arrived.
      const request = writer.write(buf, queue, pending, firstSeq, sentAt, group);
      let retryCode = '';
      try {
        const reply = await wire.call<SendBatchReply>('SendMessageBatch', request, { signal: abort.signal });
        const at = now();
        result.calls++;
        result.billedUnits += billedRequests(pending.length * task.messageSize);
        let ok = reply.Successful?.length ?? 0;
        if (verifyMd5 && reply.Successful) {
          for (const s of reply.Successful) {
            const body = factory.body(firstSeq + Number(s.Id), sentAt, group);
            if (createHash('md5').update(body).digest('hex') !== s.MD5OfMessageBody) {
              ok--;
              noteError(OWN_CODES.md5Mismatch, at);
              fail(1, OWN_CODES.md5Mismatch, at);
            }
          }
        }
        result.sent += ok;
        live.add('sent', ok);
        Atomics.add(control, CONTROL.sent, ok);
        timeline.add('sent', at, ok);
        const again: number[] = [];
        for (const f of reply.Failed ?? []) {
          noteError(f.Code, at);
          if (!f.SenderFault && isRetryable(f.Code)) {
            again.push(Number(f.Id));
            retryCode = f.Code;
          } else fail(1, f.Code, at);
        }
        for (const id of unreportedIds(pending, reply)) {
          noteError(OWN_CODES.incompleteReply, at);
          again.push(id);
          retryCode = OWN_CODES.incompleteReply;
        }
        pending = again;
      } catch (e) {
        const err = asSqsError(e);
        const at = now();
        noteError(err.code, at);
        if (!err.retryable || live.stopLevel >= 2) {
          fail(pending.length, err.code, at);
          pending = [];
        } else retryCode = err.code;
      }
      if (pending.length === 0) break;
      if (attempt >= maxRetries) {
        fail(pending.length, retryCode, now());
        break;
      }
      result.retries++;
      live.add('retries');
      timeline.add('retries', now());
      await sleep(backoffMs(attempt, retryCode), abort.signal);
      if (abort.signal.aborted) {
        fail(pending.length, OWN_CODES.aborted, now());
        break;
      }
    }
    const done = now();
    recordMs(histogram, done - startedAt);
    timeline.recordLatency('sendCall', done, done - startedAt);
  }

  /** run: wait while the drain is more than maxBacklog messages behind. */
  async function awaitBacklog(): Promise<void> {
    const cap = Atomics.load(control, CONTROL.maxBacklog);
    if (cap <= 0) return;
    while (
      Atomics.load(control, CONTROL.sent) - Atomics.load(control, CONTROL.received) > cap &&
      Atomics.load(control, CONTROL.stop) === 0
    ) {
      await sleep(2, halt.signal);
    }
  }

  async function lane(laneIndex: number): Promise<void> {
    // FIFO: this lane's own groups, visited in turn; no other lane sends to them.
    const myGroups: number[] = [];
    if (fifo) for (let g = fifo.firstLane + laneIndex; g < fifo.groups; g += fifo.totalLanes) myGroups.push(g);
    let turn = 0;
    const buf = writer.allocate(batchSize);
    while (Atomics.load(control, CONTROL.stop) === 0) {
      if (task.endMs !== undefined && now() >= task.endMs) break;
      await awaitBacklog();
      const batch = Atomics.add(control, CONTROL.claim, 1);
      const firstSeq = batch * batchSize;
      if (firstSeq >= total) break;
      const count = Math.min(batchSize, total - firstSeq);
      let startedAt = now();
      if (rate !== undefined) {
        const intended = task.startMs + (firstSeq / rate) * 1000;
        if (intended > startedAt) {
          if (task.endMs !== undefined && intended >= task.endMs) break;
          await sleep(intended - startedAt, halt.signal);
          if (Atomics.load(control, CONTROL.stop) !== 0) break;
        }
        startedAt = intended;
      }
      live.add('inflight');
      try {
        await sendBatch(buf, batch, firstSeq, count, startedAt, fifo ? myGroups[turn++ % myGroups.length] : undefined);
      } finally {
        live.add('inflight', -1);
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: task.lanes }, (_, i) => lane(i)));
  } finally {
    clearInterval(watch);
    loop.stop();
    wire.close();
  }
  result.histogram = encode(histogram);
  result.timeline = timeline.toJSON();
  return result;
}
