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
import { EARLY_OK_MS, waitNear, waitUntil } from '../src/load/wait.js';
import { PayloadFactory } from '../src/payload.js';
import type { SendTask, SendWorkerResult } from '../src/protocol.js';
import { billedRequests } from '../src/sqs/billing.js';
import { OWN_CODES } from '../src/sqs/error-codes.js';
import { SendBatchWriter } from '../src/sqs/requests.js';
import { sleep } from '../src/sqs/retry.js';
import type { Prepared } from '../src/sqs/wire.js';
import { openWire } from '../src/worker-kit/open-wire.js';
import { allEntries, BatchCaller, type BatchEntries, type BatchReply } from '../src/worker-kit/batch-call.js';
import { Meter } from '../src/worker-kit/meter.js';
import { wireHooks } from '../src/worker-kit/wire-hooks.js';
import { StopSignals } from '../src/worker-kit/stop-signals.js';
import { answerCheckpoints } from '../src/worker-kit/checkpoints.js';
import { SeqBits } from '../src/metrics/seq-bits.js';
import { entryExtras } from '../src/workload/extras.js';
import { fillByBytes, MAX_REQUEST_BYTES } from '../src/workload/fill.js';
import { sizeBucket, sizeCounts, SIZE_BUCKETS, SizePicker } from '../src/workload/sizes.js';
import { BodyTemplate } from '../src/workload/template.js';
import { GroupLock, HOT_GROUP } from '../src/workload/groups.js';

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
  const factory = new PayloadFactory(task.identity, task.messageSize);
  const meter = new Meter(live, task.startMs, ['sendCall'], 'send');
  const wire = await openWire(task.connection, task.lanes, wireHooks(task.state, meter), task.topic);
  const sendLatency = meter.latency('sendCall');
  const attempted = meter.counter('attempted');
  const sent = meter.counter('sent');
  const warmupSent = meter.counter('warmupSent');
  const warmupCalls = meter.counter('warmupCalls');
  const sendCalls = meter.cost('sendCalls');
  // A topic send's calls are SNS publishes, billed by SNS; each acknowledged message is then one
  // SQS delivery per subscribed queue, billed by SQS as a request per 64 KB (sqs/billing.ts).
  const sendUnits = meter.cost(task.topic ? 'publishUnits' : 'sendUnits');
  const deliveryUnits = meter.cost('deliveryUnits');
  const subscribed = task.topic?.sqsSubscriptions ?? 0;
  // `halt` ends pacing sleeps on a graceful stop; `abort` also cuts in-flight calls.
  const stop = new StopSignals(live, 50);
  const caller = new BatchCaller(wire, meter, stop, task.connection.maxRetries);
  const fifo = task.fifo;
  // Mixed sizes only: the default (one size, no attributes) keeps its path as it was.
  const sizes = task.sizes && task.sizes.kind !== 'fixed' ? new SizePicker(task.sizes, task.identity.shard) : undefined;
  const extras = entryExtras(task.attributes ?? 0, task.delaySeconds ?? 0);
  const fifoIds = fifo && { contentDedup: fifo.contentDedup, runId: task.identity.runId, shard: task.identity.shard };
  const template = task.bodyTemplate !== undefined ? new BodyTemplate(task.bodyTemplate, factory) : undefined;
  const writer = new SendBatchWriter(task.queueUrls, factory, fifoIds, sizes, extras.json, MAX_REQUEST_BYTES, template && { bodies: template, extras });
  /** When messages differ in size (mixed sizes, the user's bodies): each body's bytes, and what SQS counts of it. */
  const varying = template
    ? {
        body: (seq: number, sentAt: number) => Buffer.byteLength(template.render(seq, sentAt)),
        counted: (seq: number, sentAt: number, group?: number) => template.messageBytes(seq, sentAt, group) + extras.attributeBytes,
      }
    : sizes
      ? { body: (seq: number) => sizes.sizeOf(seq), counted: (seq: number) => sizes.sizeOf(seq) + extras.attributeBytes }
      : undefined;
  const { batchSize, total, messageSize } = task;
  const resumeAt = task.firstSeq;
  // Which seqs SQS acknowledged, and which ended either way: a refused send is never missing, and
  // a retried attempt of the shard resumes after what this one settled (ledger/resume.ts).
  const acked = new SeqBits(Number.isFinite(total) ? total : 0);
  const settled = new SeqBits(Number.isFinite(total) ? total : 0);
  const schedule = new Schedule(task.schedule);
  /** What SQS counts of one message: its body and its attributes. */
  const fixedMessageBytes = messageSize + extras.attributeBytes;
  const sentPerSize = new Array<number>(SIZE_BUCKETS.length).fill(0);
  const verifyMd5 = task.connection.verifyMd5;
  const hotShare = fifo?.hotShare;
  const hotLock = hotShare !== undefined ? new GroupLock() : undefined;

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
        let payload = pending.length * fixedMessageBytes;
        if (varying) {
          payload = 0;
          for (const i of pending) payload += varying.counted(this.firstSeq + i, this.sentAt, this.group);
          for (const s of reply.Successful ?? []) sentPerSize[sizeBucket(varying.body(this.firstSeq + Number(s.Id), this.sentAt))]++;
        }
        sendUnits.add(billedRequests(payload), at);
        let ok = reply.Successful?.length ?? 0;
        for (const s of reply.Successful ?? []) {
          const seq = this.firstSeq + Number(s.Id);
          settled.mark(seq);
          if (subscribed) deliveryUnits.add(subscribed * billedRequests(varying ? varying.counted(seq, this.sentAt, this.group) : fixedMessageBytes), at);
          if (verifyMd5) {
            const body = template ? template.render(seq, this.sentAt) : factory.body(seq, this.sentAt, this.group, sizes?.sizeOf(seq));
            if (createHash('md5').update(body).digest('hex') !== s.MD5OfMessageBody) {
              ok--;
              meter.error(OWN_CODES.md5Mismatch, at);
              meter.fail(1, OWN_CODES.md5Mismatch, at);
              continue;
            }
          }
          acked.mark(seq);
        }
        sent.add(ok, at);
        if (this.warm) warmupSent.add(ok, at);
        Atomics.add(control, CONTROL.sent, ok);
      },
      failed(entries, code, at) {
        for (const i of entries) settled.mark(this.firstSeq + i);
        meter.fail(entries.length, code, at);
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
    // --group-pattern hot:P: the lane's own groups but the hot one, which any lane may send to.
    const coldGroups = myGroups.filter((g) => g !== HOT_GROUP);
    const pickGroup = (): number =>
      hotShare === undefined ? myGroups[turn++ % myGroups.length] : Math.random() < hotShare || !coldGroups.length ? HOT_GROUP : coldGroups[turn++ % coldGroups.length];
    let releaseHot: (() => void) | undefined;
    const batch = laneBatch(writer.allocate(batchSize));
    // The schedule's t=0 lies a moment after the last worker arrived: no lane starts before it,
    // paced or not, so no call counts as before the start (or in a warm-up that was not asked for).
    if (monoNow() < start) await waitUntil(start, stop.halt);
    while (Atomics.load(control, CONTROL.stop) === 0) {
      releaseHot?.();
      releaseHot = undefined;
      if (monoNow() >= end) break;
      await awaitBacklog();
      const group = fifo ? pickGroup() : undefined;
      // The hot group's batch holds its lock from its claim to its answer, so the group's seqs leave in order.
      if (group === HOT_GROUP && hotLock) releaseHot = await hotLock.acquire();
      const index = Atomics.add(control, CONTROL.claim, 1);
      const firstSeq = resumeAt + index * batchSize;
      if (firstSeq >= total) break;
      const count = Math.min(batchSize, total - firstSeq);
      let startedAt = monoNow();
      // Where the batch stands in the schedule (warm-up or not, which second): its intended start
      // when paced, even if it left a moment before it.
      let scheduledAt = startedAt;
      batch.group = group;
      // FIFO order holds per queue and group: a group always goes to the same queue.
      batch.queue = (batch.group ?? index) % task.queueUrls.length;
      batch.firstSeq = firstSeq;
      batch.sentAt = Date.now();
      let prepared: Prepared | undefined;
      if (schedule.paced) {
        const intended = start + schedule.dueAt(firstSeq - resumeAt);
        if (intended >= end) break;
        if (intended > startedAt) {
          // Built and signed while waiting, so the latency from the intended start is the wire's
          // and the server's, not this thread's. The bodies carry the earliest moment they may
          // leave as their send time: never after it, so end-to-end latency is never short.
          batch.sentAt = Math.floor(epochOf(intended - EARLY_OK_MS));
          if (!varying) prepared = caller.prepare(batch, allEntries(count));
          await waitNear(intended, stop.halt);
          if (Atomics.load(control, CONTROL.stop) !== 0) break;
        }
        // Late (or on time): from the intended start, the open model. Early: from the moment it left.
        startedAt = Math.min(intended, monoNow());
        scheduledAt = intended;
      }
      batch.warm = scheduledAt < warmupEnd;
      attempted.add(count, epochOf(scheduledAt));
      if (varying) {
        // Mixed sizes: as many requests as keep each under 1 MiB, each timed on its own.
        const messageBytes = (i: number) => varying.counted(firstSeq + i, batch.sentAt, batch.group);
        for (const entries of fillByBytes(count, messageBytes, MAX_REQUEST_BYTES)) {
          await sendTimed(batch, entries, startedAt);
          startedAt = monoNow();
        }
      } else await sendTimed(batch, allEntries(count), startedAt, prepared);
    }
    releaseHot?.();
  }

  async function sendTimed(batch: LaneBatch, entries: number[], startedAt: number, prepared?: Prepared): Promise<void> {
    live.add('inflight');
    let done: number;
    try {
      done = await caller.call(batch, entries, prepared);
    } finally {
      live.add('inflight', -1);
    }
    if (batch.warm) warmupCalls.add(1, epochOf(done));
    else sendLatency.record(epochOf(done), done - startedAt);
  }

  /** The worker's facts, at the end or at a checkpoint while it runs. */
  function result(tally: ReturnType<typeof meter.finish>): SendWorkerResult {
    // One size: every message sent is in its bucket, counted once here rather than per message.
    if (!varying) sentPerSize[sizeBucket(messageSize)] = tally.sent;
    tally.sizes = sizeCounts(sentPerSize);
    return { ...tally, acked: acked.encode(), settled: settled.encode() };
  }
  const checkpoints = answerCheckpoints(task.row, () => result(meter.snapshot()));
  try {
    const start = await startTogether(task.state, task.workers, task.schedule.notBefore);
    if (start !== undefined) await Promise.all(Array.from({ length: task.lanes }, (_, i) => lane(i, start)));
  } finally {
    checkpoints.close();
    stop.close();
    meter.stopSampling();
    wire.close();
  }
  return result(meter.finish());
}
