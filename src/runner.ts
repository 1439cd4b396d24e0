/**
 * The main thread of send, drain and run, in the order things happen: set up (run/setup.ts),
 * start the worker pool once, watch the run (run/monitor.ts: stop rules and progress; signals in
 * run/signals.ts; queue depth in run/depth-sampler.ts), then merge what the workers return into
 * one result. The main thread sends no SQS traffic of its own while the load runs.
 */
import type { Piscina } from 'piscina';
import type { CommandName, Config } from './config.js';
import { DRAIN_WORKER, mergeDrain, planDrain } from './consumers.js';
import { UsageError } from './errors.js';
import type { EmbeddedServer } from './local.js';
import { epochOf } from './load/clock.js';
import { scheduleStart } from './load/start.js';
import { recordTarget } from './load/target.js';
import { CONTROL, createSharedState, LiveView, type SharedState } from './metrics/live.js';
import { CpuMeter } from './metrics/loop.js';
import { mergeTimelines, Timeline } from './metrics/timeline.js';
import { Progress } from './progress.js';
import type { DrainWorkerResult, SendWorkerResult } from './protocol.js';
import { publicConfig } from './report/public-config.js';
import { emptyResult, finalize, type Result } from './result/document.js';
import { clientStats } from './run/client-stats.js';
import { DepthSampler } from './run/depth-sampler.js';
import type { ConsumerFeed } from './observe/consumer-feed.js';
import { Observer } from './observe/observer.js';
import { Monitor } from './run/monitor.js';
import { createPool } from './run/pool.js';
import { setUp, type Setup } from './run/setup.js';
import { ProcessSignals } from './run/signals.js';
import { mergeSend, planSend, SEND_WORKER, shardIdentity } from './producers.js';
import { endpointOf } from './sqs/client.js';
import { sdkClockOffset, SharedClockOffset } from './sqs/clock-offset.js';
import { messagesIn, queueDepth } from './sqs/depth.js';
import { setupError } from './sqs/queues.js';
import type { LedgerOptions } from './config.js';
import { Checkpointer } from './ledger/checkpoint.js';
import { earlierAttempts, resumeAfter, type Resume } from './ledger/resume.js';
import { RunWatch } from './ledger/run-watch.js';
import { claimQueues } from './ledger/queue-owner.js';
import { ServiceWatch } from './run/service-watch.js';
import type { Tally } from './metrics/tally.js';
import type { ResultStore } from './report/s3.js';

export interface RunHooks {
  /** Called once the queues are resolved and the load is about to start. */
  onStart?(info: { endpoint: string; queueUrls: string[] }): void;
  /** Where --out s3:// stores results: under the ledger, checkpoints go there too, and sends resume from it. */
  store?: ResultStore;
  /** send --observe: the watched queues' samples and the consumers' figures, for /metrics. */
  consumers?: ConsumerFeed;
}

export async function execute(config: Config, hooks: RunHooks = {}): Promise<Result> {
  const signals = new ProcessSignals(config.graceMs);
  let server: EmbeddedServer | undefined;
  let pool: Piscina | undefined;
  let loadStarted = false;
  try {
    const setup = await setUp(config, (s) => (server = s));
    hooks.onStart?.({ endpoint: setup.endpoint, queueUrls: setup.queueUrls });
    loadStarted = true;
    const sendWorkers = config.send?.workers ?? 0;
    const drainWorkers = config.drain?.workers ?? 0;
    pool = createPool(sendWorkers + drainWorkers);
    const ledger = config.output.ledger && hooks.store ? { ...config.output.ledger, store: hooks.store } : undefined;
    return await runLoad(config, setup, pool, signals, sendWorkers, drainWorkers, ledger, hooks.consumers);
  } catch (e) {
    if (e instanceof UsageError || loadStarted) throw e;
    throw setupError(e, endpointOf(config.connection), 'setting up the run');
  } finally {
    signals.dispose();
    await pool?.destroy();
    await server?.stop();
  }
}

type Ledger = LedgerOptions & { store: ResultStore };

async function runLoad(config: Config, setup: Setup, pool: Piscina, signals: ProcessSignals, sendWorkers: number, drainWorkers: number, ledger?: Ledger, consumers?: ConsumerFeed): Promise<Result> {
  const { admin, queueUrls } = setup;
  // run --downstream sends to the service's input queues and drains its output.
  const drainUrls = setup.downstreamUrls ?? queueUrls;
  // A send that is one more attempt of its shard continues where the earlier ones left off.
  const resume = ledger && config.send ? resumeAfter(await earlierAttempts(ledger.store, config.runId, config.shard, ledger.attempt), config.shard) : undefined;
  if (resume?.note) process.stderr.write(`sqs-blast: ${resume.note}\n`);
  if (ledger && config.send) await claimQueues(ledger.store, admin, queueUrls, config.runId, config.shard, ledger.attempt, config.queues.allowForeign);
  const state = createSharedState(sendWorkers + drainWorkers);
  // Setup's SDK calls may have met a skewed clock already: the workers start on what they learned.
  const learned = sdkClockOffset(admin);
  if (learned) new SharedClockOffset(new Int32Array(state.control), CONTROL.clockOffset).set(learned);
  // run knows its own messages up front: one shared bitmap lets all drain threads count
  // distinct arrivals exactly while the run is on.
  const sharedSeen =
    config.command === 'run' && config.send && Number.isFinite(config.send.total)
      ? { runId: config.runId, shard: config.shard, of: config.send.total, words: new SharedArrayBuffer(Math.ceil(config.send.total / 32) * 4) }
      : undefined;
  const live = new LiveView(state);
  signals.loadStarted(live);

  const result = emptyResult(config.command as CommandName, config.runId, config.shard, config.shards);
  result.config = publicConfig(config);
  if (setup.downstreamUrls) {
    result.config.downstream = setup.downstreamUrls;
    result.downstream = { queues: setup.downstreamUrls, inputLeft: 0 };
  }
  result.cost.pricePerMillion = config.pricePerMillion;
  // A downstream queue is shared by every shard's drain, as a drain shard's queues are.
  result.partial = (config.command === 'drain' || setup.downstreamUrls !== undefined) && config.shards > 1;
  const startMs = Date.now();
  result.startedAt = startMs;
  if (config.send) result.planned = Number.isFinite(config.send.total) ? config.send.total - (resume?.firstSeq ?? 0) : null;
  if (ledger) result.attempt = { ...ledger.attempt, final: false, checkpoints: 0, at: startMs, ...(resume?.earlier ? { resumedFrom: resume.firstSeq } : {}) };
  if (config.drain?.expect !== undefined) {
    result.expected = config.drain.expect;
    live.setExpect(config.drain.expect);
  }
  if (config.command === 'drain') live.armIdle();
  if (config.send?.maxBacklog) live.setMaxBacklog(config.send.maxBacklog);

  // The main thread's own timeline: calls in flight, queue depth and CPU, sampled while the load runs.
  const mainTimeline = new Timeline(startMs);
  const depth = new DepthSampler(admin, setup.downstreamUrls ? [...queueUrls, ...setup.downstreamUrls] : queueUrls, mainTimeline);
  const observer = await Observer.start(config, live, state, mainTimeline, startMs, consumers);
  const service = setup.downstreamUrls ? new ServiceWatch(new Set(queueUrls), config.drain!.idleTimeoutMs) : undefined;
  depth.onSample = (d) => {
    observer.depths(d);
    service?.sample(d);
  };
  depth.start(config.output.depthIntervalMs, config.command === 'drain');
  const monitor = new Monitor({
    config,
    live,
    progress: new Progress({
      tty: Boolean(process.stderr.isTTY),
      quiet: config.output.quiet,
      intervalMs: config.output.progressIntervalMs,
      sendTotal: result.planned ?? undefined,
      drainTotal: config.drain?.expect,
      showSend: Boolean(config.send),
      showDrain: Boolean(config.drain),
    }),
    cpuMeter: new CpuMeter(mainTimeline),
    timeline: mainTimeline,
    sendRows: [...Array(sendWorkers).keys()],
    startMs,
    queuesBusySince: () => depth.busySince,
    interrupted: () => signals.interrupted !== null,
    sendsDone: () => !config.send || result.phases.send !== undefined,
    holding: () => (runWatch?.holding ?? false) || (service?.busy() ?? false),
  });
  // Under the ledger a drain ends when the run is done, not on silence (ledger/run-watch.ts).
  const runWatch =
    ledger && config.command === 'drain'
      ? new RunWatch({
          store: ledger.store,
          runId: config.runId,
          shards: config.shards,
          admin,
          queueUrls,
          idleMs: config.drain!.idleTimeoutMs,
          silenceMs: config.drain!.startTimeoutMs,
          lastMessageAt: () => live.max('lastMessageAt'),
          stop: () => live.stop(1),
        })
      : undefined;
  const checkpointer =
    ledger && ledger.checkpointMs > 0
      ? new Checkpointer({
          intervalMs: ledger.checkpointMs,
          rows: sendWorkers + drainWorkers,
          store: ledger.store,
          build: (tallies) => checkpointOf(config, result, tallies, sendWorkers, mainTimeline, resume),
        })
      : undefined;

  const sendPhase = config.send
    ? Promise.all(planSend(config, queueUrls, state, startMs, 0, setup.contentDedup, resume?.firstSeq ?? 0, setup.topic).map((t) => pool.run(t, { filename: SEND_WORKER }) as Promise<SendWorkerResult>))
    : undefined;
  const drainPhase = config.drain
    ? Promise.all(planDrain(config, drainUrls, state, startMs, sendWorkers, sharedSeen).map((t) => pool.run(t, { filename: DRAIN_WORKER }) as Promise<DrainWorkerResult>))
    : undefined;

  try {
    if (sendPhase) {
      const parts = await sendPhase;
      result.phases.send = sendPhaseOf(config, state, startMs, mainTimeline);
      mergeSend(result, parts, shardIdentity(config), resume);
      if (config.drain && !signals.interrupted) monitor.sendsFinished(result.sent);
    }
    if (drainPhase) {
      const parts = await drainPhase;
      // Receive throughput counts to the last message, not to the end of the final empty polls.
      const last = live.max('lastMessageAt');
      result.phases.drain = { startedAt: startMs, endedAt: last > startMs ? last : Date.now() };
      mergeDrain(result, parts);
    }
  } catch (e) {
    await observer.close();
    throw e;
  } finally {
    monitor.stop();
    depth.stop();
    runWatch?.stop();
    await checkpointer?.stop();
  }
  if (result.attempt) result.attempt = { ...result.attempt, final: true, checkpoints: checkpointer?.written ?? 0, at: Date.now() };
  if (runWatch?.note) process.stderr.write(`sqs-blast: drain stopped waiting for the run: ${runWatch.note}\n`);
  result.endedAt = Date.now();
  const clockOffset = Atomics.load(live.control, CONTROL.clockOffset);
  if (clockOffset) result.clockOffsetMs = clockOffset;
  result.interrupted = signals.interrupted;
  result.abandoned = monitor.abandoned;
  await finalDepths(config, setup, result, depth);
  result.timeline = mergeTimelines([result.timeline, mainTimeline.toJSON()]);
  admin.destroy();
  result.client = clientStats(result, config.local);
  observer.finish(finalize(result));
  return result;
}

/**
 * The send phase is measured from the schedule's start (all workers ready) plus the warm-up; the
 * timeline gets the schedule's per-second `target` beside what was sent.
 */
function sendPhaseOf(config: Config, state: SharedState, startMs: number, timeline: Timeline): { startedAt: number; endedAt: number } {
  const endedAt = Date.now();
  const t0 = scheduleStart(state);
  if (t0 === undefined) return { startedAt: startMs, endedAt };
  const plan = config.send!.schedule;
  recordTarget(timeline, plan, epochOf(t0), endedAt);
  return { startedAt: Math.min(endedAt, epochOf(t0 + plan.warmupMs)), endedAt };
}

/**
 * A checkpoint: the result so far from every worker's tally, computed as the final one is (the
 * same merge and finalize), so a killed attempt's object reads like a result that ended then.
 */
function checkpointOf(config: Config, started: Result, tallies: Map<number, Tally>, sendWorkers: number, timeline: Timeline, resume?: Resume): Result {
  const r = emptyResult(started.kind === 'report' ? 'run' : started.kind, started.runId, started.shard, started.shards);
  const now = Date.now();
  Object.assign(r, { config: started.config, partial: started.partial, startedAt: started.startedAt, endedAt: now, planned: started.planned, expected: started.expected, attempt: started.attempt, downstream: started.downstream });
  r.cost.pricePerMillion = started.cost.pricePerMillion;
  const rows = [...tallies.entries()];
  if (config.send) {
    r.phases.send = { startedAt: started.startedAt, endedAt: now };
    mergeSend(r, rows.filter(([row]) => row < sendWorkers).map(([, t]) => t as SendWorkerResult), shardIdentity(config), resume);
  }
  if (config.drain) {
    r.phases.drain = { startedAt: started.startedAt, endedAt: now };
    mergeDrain(r, rows.filter(([row]) => row >= sendWorkers).map(([, t]) => t));
  }
  r.timeline = mergeTimelines([r.timeline, timeline.snapshot()]);
  return finalize(r);
}

/** Where the queues stand afterwards (also the timeline's last depth point): what is left, and what went to a DLQ. */
async function finalDepths(config: Config, setup: Setup, result: Result, depth: DepthSampler): Promise<void> {
  try {
    const all = setup.downstreamUrls ? [...setup.queueUrls, ...setup.downstreamUrls] : setup.queueUrls;
    result.queues = await Promise.all(all.map((u) => queueDepth(setup.admin, u)));
    // What the service had not taken (or not finished) when the run ended: not proven lost.
    if (result.downstream) result.downstream.inputLeft = result.queues.slice(0, setup.queueUrls.length).reduce((n, q) => n + messagesIn(q), 0);
    if (depth.running) depth.record(result.queues);
    if (config.drain && setup.dlqUrls.length) {
      const dlq = await Promise.all(setup.dlqUrls.map((u) => queueDepth(setup.admin, u)));
      result.dlqDepth = dlq.reduce((n, q) => n + messagesIn(q), 0);
    } else if (config.drain) result.dlqDepth = null;
  } catch {
    // The load is measured; a server gone at the very end must not cost the report.
  }
}
