/**
 * One drain worker thread: a set of pollers, each a loop of long-poll ReceiveMessage on one
 * queue followed by DeleteMessageBatch of what came back. Every received message is counted
 * (and its seq marked in the integrity bitmap) before it is deleted, so a stop can never delete
 * a message the report does not know about. A delete that finally fails is counted: that
 * message will come back, as a duplicate, not as a loss.
 */
import { randomUUID } from 'node:crypto';
import { asSqsError } from '../src/errors.js';
import { IntegrityTracker } from '../src/metrics/integrity.js';
import { answerCheckpoints } from '../src/worker-kit/checkpoints.js';
import { CONTROL, LiveRow } from '../src/metrics/live.js';
import { now } from '../src/metrics/timeline.js';
import type { DrainTask, DrainWorkerResult } from '../src/protocol.js';
import { billedRequests } from '../src/sqs/billing.js';
import { OWN_CODES } from '../src/sqs/error-codes.js';
import { readReceiveReply, type ReceivedMessage } from '../src/sqs/receive-reply.js';
import { deleteRequest, entriesPrefix, receiveRequest, withAttemptId } from '../src/sqs/requests.js';
import { backoffMs, sleep } from '../src/sqs/retry.js';
import { allEntries, BatchCaller, type BatchEntries, type BatchReply } from '../src/worker-kit/batch-call.js';
import { Meter } from '../src/worker-kit/meter.js';
import { openWire } from '../src/worker-kit/open-wire.js';
import { wireHooks } from '../src/worker-kit/wire-hooks.js';
import { StopSignals } from '../src/worker-kit/stop-signals.js';
import { InFlightGate } from '../src/workload/in-flight.js';
import { drawProcessTime } from '../src/workload/process-time.js';
import { everySubscription, SubscriptionLatencies } from '../src/sns/fan-out.js';

/** One poller's delete: the queue and messages it is for, set before each call, and its own request buffer. */
interface PollerDelete extends BatchEntries<BatchReply> {
  buf: Buffer;
  queue: number;
  messages: ReceivedMessage[];
}

/** SQS keeps a ReceiveRequestAttemptId for 5 minutes; retries stop reusing one a little before. */
const ATTEMPT_ID_LIFE_MS = 4 * 60_000;

export default async function drainWorker(task: DrainTask): Promise<DrainWorkerResult> {
  const live = new LiveRow(task.state, task.row);
  const control = live.control;
  const consumer = task.consumer;
  // A consumer that does more than receive and batch-delete at once (the default) takes the slow path.
  const slow = consumer !== undefined && (consumer.processTime !== undefined || consumer.deleteMode !== 'batch' || consumer.maxInFlight !== undefined);
  // A slow consumer's pollers hand each poll over and poll again, as a real consumer's prefetch
  // does: the gate caps what the thread holds (default: ten polls' worth per poller).
  const gate = slow ? new InFlightGate(consumer.maxInFlight ?? 10 * task.maxMessages * task.pollers.length) : undefined;
  const consuming = new Set<Promise<void>>();
  // single: a delete per message, up to a poll's worth at once per poller.
  const meter = new Meter(live, task.startMs, ['receiveCall', 'deleteCall', 'e2e'], 'drain');
  const wire = await openWire(task.connection, task.pollers.length * (consumer?.deleteMode === 'single' ? 2 + task.maxMessages : 2), wireHooks(task.state, meter));
  const receiveLatency = meter.latency('receiveCall');
  const deleteLatency = meter.latency('deleteCall');
  const e2eLatency = meter.latency('e2e');
  const receiveCalls = meter.counter('receiveCalls');
  const emptyReceives = meter.counter('emptyReceives');
  const received = meter.counter('received');
  const foreign = meter.counter('foreign');
  const deleted = meter.counter('deleted');
  const deleteFailed = meter.counter('deleteFailed');
  const retries = meter.counter('retries');
  const redelivered = meter.counter('redelivered');
  const receiveUnits = meter.cost('receiveUnits');
  const deleteCalls = meter.cost('deleteCalls');
  const deleteUnits = meter.cost('deleteUnits');
  const visibilityUnits = meter.cost('visibilityUnits');
  // A graceful stop lets polls in flight come back and counts what they bring: cutting a
  // long poll can leave messages received by the server but never seen here (invisible until
  // their visibility timeout). Only the second stop level (grace over, or a second signal)
  // abandons calls in flight; a finished drain's waiting polls alone are cut by stop.pollCut.
  const stop = new StopSignals(live, 25);
  const caller = new BatchCaller(wire, meter, stop, task.connection.maxRetries);
  const integrity = new IntegrityTracker();
  // --fan-out: each queue is a subscription with its own copy of the run, and its own latency.
  const subscriptions = task.subscriptions;
  const subscriptionE2e = subscriptions && new SubscriptionLatencies(subscriptions);
  const seen = task.sharedSeen;
  const seenWords = seen ? new Int32Array(seen.words) : undefined;
  const { maxRetries, requestTimeoutMs } = task.connection;
  // FIFO: the highest seq seen per (run, shard, group); a lower one arriving later is out of order.
  let orderViolations = task.queueUrls.every((u) => u.endsWith('.fifo')) ? 0 : null;
  const lastInGroup = new Map<string, number>();
  const receiveRequests = task.queueUrls.map((url) => receiveRequest(url, task));
  const deletePrefixes = task.queueUrls.map(entriesPrefix);
  const receiveOptions = { timeoutMs: task.waitTimeSeconds * 1000 + requestTimeoutMs, signal: stop.pollCut, read: readReceiveReply, fixedBody: true };
  // FIFO polls differ by their attempt id: not hashed once.
  const fifoReceiveOptions = { ...receiveOptions, fixedBody: false };
  const stopping = () => stop.level >= 1 || (task.endMs !== undefined && now() >= task.endMs);

  function account(messages: ReceivedMessage[], at: number, queue: number): void {
    const wall = Date.now();
    let again = 0;
    const subscription = subscriptions?.[queue];
    for (const m of messages) {
      if (m.receiveCount > 1) again++;
      const head = m.head;
      if (head && (task.runIdFilter === undefined || head.runId === task.runIdFilter)) {
        e2eLatency.record(at, wall - head.sentAt);
        subscriptionE2e?.record(queue, wall - head.sentAt);
        const fresh = integrity.observe(head, subscription);
        if (fresh && orderViolations !== null && head.group !== undefined) {
          const key = head.runId + '/' + head.shard + '/' + head.group;
          const last = lastInGroup.get(key) ?? -1;
          if (head.seq < last) orderViolations++;
          else lastInGroup.set(key, head.seq);
        }
        if (seen && head.runId === seen.runId && head.shard === seen.shard && head.seq < seen.of) {
          const mask = 1 << (head.seq & 31);
          if (!(Atomics.or(seenWords!, head.seq >>> 5, mask) & mask)) Atomics.add(control, CONTROL.distinct, 1);
        }
      } else {
        foreign.add(1, at);
        if (m.sentTimestamp > 0 && !task.throughService) e2eLatency.record(at, wall - m.sentTimestamp);
      }
    }
    const n = messages.length;
    received.add(n, at);
    if (again) redelivered.add(again, at);
    live.set('lastMessageAt', wall);
    // A slow consumer counts a message once its work is done (consume()).
    if (!slow) consumed(n - again);
  }

  /**
   * --expect and run's backlog count first deliveries (a message back after its visibility
   * timeout is not one more message), once received, or with a slow consumer once worked on.
   */
  function consumed(first: number): void {
    const total = Atomics.add(control, CONTROL.received, first) + first;
    const expect = Atomics.load(control, CONTROL.expect);
    if (expect >= 0 && total >= expect) Atomics.compareExchange(control, CONTROL.stop, 0, 1);
  }

  function pollerDelete(bufBytes = 8192): PollerDelete {
    return {
      action: 'DeleteMessageBatch',
      buf: Buffer.allocUnsafe(bufBytes),
      queue: 0,
      messages: [],
      request(pending) {
        return deleteRequest(this, deletePrefixes[this.queue], this.messages, pending);
      },
      succeeded(reply, _pending, at) {
        // A delete's payload (receipt handles) stays under 64 KB: one billed request.
        deleteCalls.add(1, at);
        deleteUnits.add(1, at);
        deleted.add(reply.Successful?.length ?? 0, at);
      },
      failed(entries, _code, at) {
        // Received and counted, but not deleted: it will return.
        deleteFailed.add(entries.length, at);
      },
    };
  }

  async function poller(queue: number): Promise<void> {
    let failures = 0;
    const remove = pollerDelete();
    const fifo = task.queueUrls[queue].endsWith('.fifo');
    let attemptId = '';
    let attemptAt = 0;
    while (!stopping()) {
      if (gate) {
        await gate.acquire(task.maxMessages);
        if (stopping()) {
          gate.release(task.maxMessages);
          break;
        }
      }
      const started = now();
      let messages: ReceivedMessage[];
      let request = receiveRequests[queue];
      if (fifo) {
        // A poll retried after a failure asks under the failed one's ReceiveRequestAttemptId:
        // if its reply was lost, SQS returns those same messages rather than keeping them (and
        // their group) hidden for a visibility timeout. A first attempt, or one past the id's
        // 5-minute life, gets a fresh id.
        if (failures === 0 || started - attemptAt > ATTEMPT_ID_LIFE_MS) [attemptId, attemptAt] = [randomUUID(), started];
        request = withAttemptId(request, attemptId);
      }
      try {
        messages = await wire.call('ReceiveMessage', request, fifo ? fifoReceiveOptions : receiveOptions);
        failures = 0;
        gate?.release(task.maxMessages - messages.length);
      } catch (e) {
        gate?.release(task.maxMessages);
        const err = asSqsError(e);
        if (err.code === OWN_CODES.aborted) break;
        meter.error(err.code, now());
        failures++;
        if (failures > maxRetries && !err.retryable) break;
        retries.add(1, now());
        await sleep(backoffMs(Math.min(failures, 8), err.code), stop.abort);
        continue;
      }
      const at = now();
      receiveCalls.add(1, at);
      let bytes = 0;
      for (const m of messages) bytes += m.bodyBytes;
      receiveUnits.add(billedRequests(bytes), at);
      if (messages.length === 0) {
        emptyReceives.add(1, at);
        continue;
      }
      receiveLatency.record(at, at - started);
      account(messages, at, queue);
      if (slow) {
        const work = consume(queue, messages);
        consuming.add(work);
        void work.finally(() => consuming.delete(work));
      } else await removeEntries(remove, queue, messages, allEntries(messages.length));
    }
  }

  async function removeEntries(remove: PollerDelete, queue: number, messages: ReceivedMessage[], entries: number[]): Promise<void> {
    remove.queue = queue;
    remove.messages = messages;
    const deleting = now();
    await caller.call(remove, entries);
    const done = now();
    deleteLatency.record(done, done - deleting);
  }

  /**
   * A consumer that takes its time: each message of the poll is worked on (a timer, so the
   * thread's other pollers keep going), then deleted as --delete says; --extend-visibility keeps
   * those not yet done invisible meanwhile.
   */
  async function consume(queue: number, messages: ReceivedMessage[]): Promise<void> {
    const c = consumer!;
    const done = new Uint8Array(messages.length);
    const beat = c.extendVisibility !== undefined ? setInterval(() => void extend(queue, messages, done, c.extendVisibility!), (c.extendVisibility * 1000) / 2) : undefined;
    try {
      await Promise.all(
        messages.map(async (_, i) => {
          if (c.processTime) await sleep(drawProcessTime(c.processTime), stop.abort);
          done[i] = 1;
          if (messages[i].receiveCount <= 1) consumed(1);
          if (c.deleteMode === 'single') {
            await removeEntries(pollerDelete(512), queue, messages, [i]);
            gate?.release(1);
          }
        }),
      );
    } finally {
      if (beat) clearInterval(beat);
    }
    if (c.deleteMode === 'batch') await removeEntries(pollerDelete(2048), queue, messages, allEntries(messages.length));
    if (c.deleteMode !== 'single') gate?.release(messages.length);
  }

  /** One heartbeat: extend the visibility of the poll's messages still being worked on. */
  async function extend(queue: number, messages: ReceivedMessage[], done: Uint8Array, seconds: number): Promise<void> {
    const entries = [];
    for (let i = 0; i < messages.length; i++) if (!done[i]) entries.push({ Id: String(i), ReceiptHandle: messages[i].receiptHandle, VisibilityTimeout: seconds });
    if (!entries.length) return;
    try {
      await wire.call('ChangeMessageVisibilityBatch', JSON.stringify({ QueueUrl: task.queueUrls[queue], Entries: entries }), { signal: stop.abort });
      visibilityUnits.add(1, now());
    } catch (e) {
      // The next beat tries again; a message whose timeout runs out meanwhile comes back, counted as redelivered.
      meter.error(asSqsError(e).code, now());
    }
  }

  /** The thread's entries; with --fan-out, a subscription that saw nothing of a run says so (sns/fan-out.ts). */
  const seenSoFar = () => (subscriptions ? everySubscription(integrity.toJSON(), subscriptions) : integrity.toJSON());
  // A checkpoint holds what this thread has seen so far: a drain killed later leaves it behind.
  const checkpoints = answerCheckpoints(task.row, () => meter.snapshot({ integrity: seenSoFar(), orderViolations, subscriptionE2e: subscriptionE2e?.toJSON() }));
  try {
    await Promise.all(task.pollers.map(poller));
    // What the pollers handed over is worked on and deleted before the thread reports.
    while (consuming.size) await Promise.all(consuming);
  } finally {
    checkpoints.close();
    stop.close();
    meter.stopSampling();
    wire.close();
  }
  return meter.finish({ integrity: seenSoFar(), orderViolations, subscriptionE2e: subscriptionE2e?.toJSON() });
}
