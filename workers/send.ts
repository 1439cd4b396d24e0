/**
 * One send worker thread: `lanes` concurrent SendMessageBatch loops over the queues. Batches are
 * claimed from a counter shared by every worker of the process, so seqs stay dense per shard and
 * the total is exact. With a rate, batch k has an intended start time (open model): a lane that
 * falls behind sends at once, and latency is measured from the intended start, so a slow server
 * shows up as latency instead of silently lowering the rate (coordinated omission).
 */
import { createHash } from 'node:crypto';
import { CONTROL, LiveRow } from '../src/metrics/live.js';
import { epochOf, monoNow } from '../src/load/clock.js';
import { Schedule } from '../src/load/schedule.js';
import { startTogether } from '../src/load/start.js';
import { waitUntil } from '../src/load/wait.js';
import { PayloadFactory } from '../src/payload.js';
import type { SendTask, SendWorkerResult } from '../src/protocol.js';
import { billedRequests } from '../src/sqs/billing.js';
import { OWN_CODES } from '../src/sqs/error-codes.js';
import { SendBatchWriter } from '../src/sqs/requests.js';
import { sleep } from '../src/sqs/retry.js';
import { SqsWire } from '../src/sqs/wire.js';
import { allEntries, BatchCaller, type BatchEntries, type BatchReply } from '../src/worker-kit/batch-call.js';
import { Meter } from '../src/worker-kit/meter.js';
import { StopSignals } from '../src/worker-kit/stop-signals.js';

interface SendBatchReply extends BatchReply {
  Successful?: Array<{ Id: string; MD5OfMessageBody?: string }>;
}

/** One lane's batch: where its entries go and what they carry, set before each call. */
interface LaneBatch extends BatchEntries<SendBatchReply> {
  queue: number;
  firstSeq: number;
  sentAt: number;
  group: number | undefined;
  /** The call started in the --warmup. */
  warm: boolean;
}

export default async function sendWorker(task: SendTask): Promise<SendWorkerResult> {
  const live = new LiveRow(task.state, task.row);
  const control = live.control;
  const wire = new SqsWire(task.connection, task.lanes);
  const factory = new PayloadFactory(task.identity, task.messageSize);
  const meter = new Meter(live, task.startMs, ['sendCall']);
  const sendLatency = meter.latency('sendCall');
  const attempted = meter.counter('attempted');
  const sent = meter.counter('sent');
  const warmupSent = meter.counter('warmupSent');
  const warmupCalls = meter.counter('warmupCalls');
  const sendCalls = meter.cost('sendCalls');
  const sendUnits = meter.cost('sendUnits');
  // `halt` ends pacing sleeps on a graceful stop; `abort` also cuts in-flight calls.
  const stop = new StopSignals(live, 50);
  const caller = new BatchCaller(wire, meter, stop, task.connection.maxRetries);
  const fifo = task.fifo;
  const writer = new SendBatchWriter(task.queueUrls, factory, fifo && { contentDedup: fifo.contentDedup, runId: task.identity.runId, shard: task.identity.shard });
  const { batchSize, total, messageSize } = task;
  const schedule = new Schedule(task.schedule);
  const verifyMd5 = task.connection.verifyMd5;

  function laneBatch(buf: Buffer): LaneBatch {
    return {
      action: 'SendMessageBatch',
      queue: 0,
      firstSeq: 0,
      sentAt: 0,
      group: undefined,
      warm: false,
      request(pending) {
        return writer.write(buf, this.queue, pending, this.firstSeq, this.sentAt, this.group);
      },
      succeeded(reply, pending, at) {
        sendCalls.add(1, at);
        sendUnits.add(billedRequests(pending.length * messageSize), at);
        let ok = reply.Successful?.length ?? 0;
        if (verifyMd5 && reply.Successful) {
          for (const s of reply.Successful) {
            const body = factory.body(this.firstSeq + Number(s.Id), this.sentAt, this.group);
            if (createHash('md5').update(body).digest('hex') !== s.MD5OfMessageBody) {
              ok--;
              meter.error(OWN_CODES.md5Mismatch, at);
              meter.fail(1, OWN_CODES.md5Mismatch, at);
            }
          }
        }
        sent.add(ok, at);
        if (this.warm) warmupSent.add(ok, at);
        Atomics.add(control, CONTROL.sent, ok);
      },
      failed(count, code, at) {
        meter.fail(count, code, at);
      },
    };
  }

  /** run: wait while the drain is more than maxBacklog messages behind. */
  async function awaitBacklog(): Promise<void> {
    const cap = Atomics.load(control, CONTROL.maxBacklog);
    if (cap <= 0) return;
    while (
      Atomics.load(control, CONTROL.sent) - Atomics.load(control, CONTROL.received) > cap &&
      Atomics.load(control, CONTROL.stop) === 0
    ) {
      await sleep(2, stop.halt);
    }
  }

  /** start: the schedule's t=0 on the process's monotonic clock (load/clock.ts). */
  async function lane(laneIndex: number, start: number): Promise<void> {
    const warmupEnd = start + schedule.warmupMs;
    const end = start + schedule.endMs;
    // FIFO: this lane's own groups, visited in turn; no other lane sends to them.
    const myGroups: number[] = [];
    if (fifo) for (let g = fifo.firstLane + laneIndex; g < fifo.groups; g += fifo.totalLanes) myGroups.push(g);
    let turn = 0;
    const batch = laneBatch(writer.allocate(batchSize));
    while (Atomics.load(control, CONTROL.stop) === 0) {
      if (monoNow() >= end) break;
      await awaitBacklog();
      const index = Atomics.add(control, CONTROL.claim, 1);
      const firstSeq = index * batchSize;
      if (firstSeq >= total) break;
      const count = Math.min(batchSize, total - firstSeq);
      let startedAt = monoNow();
      if (schedule.paced) {
        const intended = start + schedule.dueAt(firstSeq);
        if (intended >= end) break;
        if (intended > startedAt) {
          await waitUntil(intended, stop.halt);
          if (Atomics.load(control, CONTROL.stop) !== 0) break;
        }
        startedAt = intended;
      }
      batch.group = fifo ? myGroups[turn++ % myGroups.length] : undefined;
      // FIFO order holds per queue and group: a group always goes to the same queue.
      batch.queue = (batch.group ?? index) % task.queueUrls.length;
      batch.firstSeq = firstSeq;
      batch.sentAt = Date.now();
      batch.warm = startedAt < warmupEnd;
      attempted.add(count, epochOf(startedAt));
      live.add('inflight');
      try {
        await caller.call(batch, allEntries(count));
      } finally {
        live.add('inflight', -1);
      }
      const done = monoNow();
      if (batch.warm) warmupCalls.add(1, epochOf(done));
      else sendLatency.record(epochOf(done), done - startedAt);
    }
  }

  try {
    const start = await startTogether(task.state, task.workers);
    if (start !== undefined) await Promise.all(Array.from({ length: task.lanes }, (_, i) => lane(i, start)));
  } finally {
    stop.close();
    meter.stopSampling();
    wire.close();
  }
  return meter.finish();
}
