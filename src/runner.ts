/**
 * The main thread of send, drain and run: set up (server, credentials, queues), start the
 * worker pool once, watch the clock, the signals and the idle timer, render progress, then merge
 * what the workers return into one result. The main thread sends no SQS traffic of its own
 * while the load runs.
 */
import { Piscina } from 'piscina';
import type { CommandName, Config } from './config.js';
import { DRAIN_WORKER, mergeDrain, planDrain } from './drain.js';
import { UsageError } from './errors.js';
import { startEmbeddedServer, type EmbeddedServer } from './local.js';
import { CONTROL, createSharedState, LiveView } from './metrics/live.js';
import { CpuMeter } from './metrics/loop.js';
import { mergeTimelines, Timeline } from './metrics/timeline.js';
import { Progress, type ProgressSnapshot } from './progress.js';
import { publicConfig } from './report/public-config.js';
import { emptyResult, finalize, type Result } from './report/result.js';
import { mergeSend, planSend, SEND_WORKER, shardIdentity } from './send.js';
import { checkCredentials, createSqsClient, endpointOf } from './sqs/client.js';
import { messagesIn, queueDepth, type QueueDepth } from './sqs/depth.js';
import { resolveQueues, redriveTargets, setupError, usesContentDedup, warnFifoRate } from './sqs/queues.js';
import type { DrainWorkerResult, SendWorkerResult } from './protocol.js';

const YOUNG_GENERATION_MB = 64;
/** How long a finished drain's polls may stay open before they are cut (see cutWaitingPolls). */
export const FINISH_GRACE_MS = 2000;

export interface RunHooks {
  /** Called once the queues are resolved and the load is about to start. */
  onStart?(info: { endpoint: string; queueUrls: string[] }): void;
}

export async function execute(config: Config, hooks: RunHooks = {}): Promise<Result> {
  let server: EmbeddedServer | undefined;
  let interrupted: string | null = null;
  let view: LiveView | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => {
    if (!view) {
      process.stderr.write(`\n${name}: interrupted while setting up; nothing was sent\n`);
      process.exit(name === 'SIGINT' ? 130 : 143);
    }
    if (interrupted) return view.stop(2); // second signal: abandon in-flight calls now
    interrupted = name;
    process.stderr.write(`\n${name}: stopping; in-flight calls get ${config.graceMs / 1000} s to finish (again to abandon them)\n`);
    view.stop(1);
    graceTimer = setTimeout(() => view?.stop(2), config.graceMs);
    graceTimer.unref();
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);

  let pool: Piscina | undefined;
  let loadStarted = false;
  try {
    if (config.local) {
      server = await startEmbeddedServer(0);
      config.connection.endpoint = server.endpoint;
    } else if (!config.connection.staticCredentials) {
      await checkCredentials(config.connection);
    }
    const endpoint = endpointOf(config.connection);
    // Setup calls retry like the load does (throttling is likely exactly when SQS is under load).
    const admin = createSqsClient({ ...config.connection, requestTimeoutMs: 5000 });
    const queueUrls = await resolveQueues(admin, config.queues, endpoint);
    let dlqUrls: string[] = [];
    if (config.drain) {
      try {
        dlqUrls = config.drain.dlqUrl ? [config.drain.dlqUrl] : await redriveTargets(admin, queueUrls);
      } catch (e) {
        throw setupError(e, endpoint, 'reading the queues’ redrive policies');
      }
    }
    const contentDedup = config.queues.fifo && config.send ? await usesContentDedup(admin, queueUrls) : false;
    if (config.queues.fifo && config.send?.rate) warnFifoRate(config.send.rate, queueUrls.length, config.send.batchSize);
    hooks.onStart?.({ endpoint, queueUrls });

    const sendWorkers = config.send?.workers ?? 0;
    const drainWorkers = config.drain?.workers ?? 0;
    const state = createSharedState(sendWorkers + drainWorkers);
    // run knows its own messages up front: one shared bitmap lets all drain threads count
    // distinct arrivals exactly while the run is on.
    const sharedSeen =
      config.command === 'run' && config.send && Number.isFinite(config.send.total)
        ? { runId: config.runId, shard: config.shard, of: config.send.total, words: new SharedArrayBuffer(Math.ceil(config.send.total / 32) * 4) }
        : undefined;
    view = new LiveView(state);
    const live = view;
    loadStarted = true;
    // Tasks are long-lived async loops: Piscina's default 'sync' atomics would park a worker's
    // whole thread in Atomics.wait between messages (seen as 40% of the send thread in a profile).
    pool = new Piscina({
      minThreads: sendWorkers + drainWorkers,
      maxThreads: sendWorkers + drainWorkers,
      idleTimeout: 60_000,
      atomics: 'disabled',
      // Replies of 100 KB are garbage within milliseconds, but with dozens in flight a small young
      // generation promotes them: 64 MB cut drain CPU from ~125 to ~115 us/message in an A/B.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });

    const result = emptyResult(config.command as CommandName, config.runId, config.shard, config.shards);
    result.config = publicConfig(config);
    result.cost.pricePerMillion = config.pricePerMillion;
    result.partial = config.command === 'drain' && config.shards > 1;
    const startMs = Date.now();
    result.startedAt = startMs;
    if (config.send) result.planned = Number.isFinite(config.send.total) ? config.send.total : null;
    if (config.drain?.expect !== undefined) {
      result.expected = config.drain.expect;
      live.setExpect(config.drain.expect);
    }
    if (config.command === 'drain') live.armIdle();
    if (config.send?.maxBacklog) live.setMaxBacklog(config.send.maxBacklog);

    const sendRows = [...Array(sendWorkers).keys()];
    const progress = new Progress({
      tty: Boolean(process.stderr.isTTY),
      quiet: config.output.quiet,
      intervalMs: config.output.progressIntervalMs,
      sendTotal: config.send && Number.isFinite(config.send.total) ? config.send.total : undefined,
      drainTotal: config.drain?.expect,
      showSend: Boolean(config.send),
      showDrain: Boolean(config.drain),
    });
    let drainStartMs = startMs;
    let runTarget = -1;
    let tailSince: number | undefined;
    const tailMs = ((config.drain?.waitTimeSeconds ?? 0) + 1) * 1000;
    // The main thread's own timeline: calls in flight and queue depth, sampled while the load runs.
    const mainTimeline = new Timeline(startMs);
    const cpuMeter = new CpuMeter(mainTimeline);
    let sampling = false;
    // When the queues were first seen holding messages: the run has begun even if sibling drain
    // pods took every message before this one got any (see the idle rule in the monitor).
    let queuesBusySince = 0;
    const recordDepth = (depths: QueueDepth[]) => {
      const sample = {
        t: Date.now(),
        visible: depths.reduce((n, d) => n + d.visible, 0),
        inFlight: depths.reduce((n, d) => n + d.inFlight, 0),
        delayed: depths.reduce((n, d) => n + d.delayed, 0),
      };
      if (!queuesBusySince && sample.visible + sample.inFlight > 0) queuesBusySince = sample.t;
      mainTimeline.sampleDepth(sample);
    };
    const sampleDepth = async () => {
      if (sampling) return; // a slow GetQueueAttributes must not pile up
      sampling = true;
      try {
        recordDepth(await Promise.all(queueUrls.map((u) => queueDepth(admin, u))));
      } catch {
        // A missed sample is a gap in a chart, not a reason to disturb the run.
      } finally {
        sampling = false;
      }
    };
    const depthTimer = config.output.depthIntervalMs > 0 ? setInterval(() => void sampleDepth(), config.output.depthIntervalMs) : undefined;
    if (depthTimer && config.command === 'drain') void sampleDepth(); // where the queues stand as the drain starts
    // Give up when calls keep failing and none has succeeded for giveUpMs (the endpoint is gone).
    let abandoned: string | null = null;
    let progressMark = { at: startMs, done: 0, errors: 0 };
    const snapshot = (now: number, inflight: number): ProgressSnapshot => ({
      elapsedMs: now - startMs,
      sent: live.sum('sent'),
      failed: live.sum('failed'),
      received: live.sum('received'),
      errors: live.sum('errors'),
      throttles: live.sum('throttles'),
      inflight,
    });
    // A drain that is done stops at level 1: its threads stop themselves at --expect, and the
    // monitor below on idle, run's tail and --duration. A poll still open FINISH_GRACE_MS later is
    // waiting on an empty queue for up to --wait-time (20 s by default), so it is cut. Messages
    // the server had just handed such a poll show in the final queue depths as in flight and
    // return to their queue: counted, not lost. Not after a signal (--grace rules then), and not
    // while sends are in flight (run --expect below --total): those finish.
    let cutTimer: NodeJS.Timeout | undefined;
    const cutWaitingPolls = () => {
      if (interrupted || cutTimer || (config.send && !result.phases.send)) return;
      cutTimer = setTimeout(() => live.stop(2), FINISH_GRACE_MS);
      cutTimer.unref();
    };
    const monitor = setInterval(() => {
      const now = Date.now();
      cpuMeter.tick(now);
      mainTimeline.max('inflight', now, live.sum('inflight', sendRows));
      const done = live.sum('sent') + live.sum('received') + live.sum('deleted') + live.sum('emptyPolls');
      const errors = live.sum('errors');
      if (done !== progressMark.done) progressMark = { at: now, done, errors };
      else if (!abandoned && errors > progressMark.errors && now - progressMark.at >= config.giveUpMs) {
        abandoned = `no call succeeded for ${Math.round((now - progressMark.at) / 1000)} s while ${errors - progressMark.errors} failed`;
        process.stderr.write(`\nsqs-blast: giving up: ${abandoned}; check the endpoint (--endpoint / AWS_ENDPOINT_URL_SQS)\n`);
        live.stop(2);
      }
      progress.update(snapshot(now, live.sum('inflight', sendRows)));
      if (!config.drain) return;
      if (live.stopLevel) return cutWaitingPolls();
      const received = Atomics.load(live.control, CONTROL.received);
      const expect = Atomics.load(live.control, CONTROL.expect);
      if (expect >= 0 && received >= expect) live.stop(1);
      const lastMessageAt = live.max('lastMessageAt');
      const idleSince = Math.max(lastMessageAt, drainStartMs, lastMessageAt ? 0 : queuesBusySince);
      // A drain started with (or before) its producers waits --start-timeout for the run to
      // begin: its first message, or queues seen holding messages (siblings may take them all).
      // Only then does --idle-timeout judge that the queues ran dry.
      const begun = lastMessageAt > 0 || queuesBusySince > 0;
      const idleLimit = config.command === 'drain' && !begun ? config.drain.startTimeoutMs : config.drain.idleTimeoutMs;
      if (Atomics.load(live.control, CONTROL.idleArmed) && now - idleSince >= idleLimit) live.stop(1);
      // run: once every acknowledged message has been seen (distinct, so redeliveries do not
      // count), drain a short tail for copies still visible, then stop.
      if (runTarget >= 0 && Atomics.load(live.control, CONTROL.distinct) >= runTarget) {
        tailSince ??= now;
        if (now - Math.max(idleSince, tailSince) >= tailMs) live.stop(1);
      }
      if (config.command === 'drain' && config.drain.durationMs !== undefined && now - startMs >= config.drain.durationMs) live.stop(1);
    }, 100);

    const sendPhase = config.send
      ? Promise.all(planSend(config, queueUrls, state, startMs, 0, contentDedup).map((t) => pool!.run(t, { filename: SEND_WORKER }) as Promise<SendWorkerResult>))
      : undefined;
    const drainPhase = config.drain
      ? Promise.all(
          planDrain(config, queueUrls, state, startMs, sendWorkers, sharedSeen).map(
            (t) => pool!.run(t, { filename: DRAIN_WORKER }) as Promise<DrainWorkerResult>,
          ),
        )
      : undefined;

    try {
      if (sendPhase) {
        const parts = await sendPhase;
        result.phases.send = { startedAt: startMs, endedAt: Date.now() };
        mergeSend(result, parts, shardIdentity(config));
        if (config.drain && !interrupted) {
          // run: the drain is done once it has seen every acknowledged message (then a short
          // tail for redelivered copies), or when it has been idle for --idle-timeout.
          runTarget = result.sent;
          drainStartMs = Date.now();
          live.armIdle();
        }
      }
      if (drainPhase) {
        const parts = await drainPhase;
        // Receive throughput counts to the last message, not to the end of the final empty polls.
        const last = live.max('lastMessageAt');
        result.phases.drain = { startedAt: startMs, endedAt: last > startMs ? last : Date.now() };
        mergeDrain(result, parts);
      }
    } finally {
      clearInterval(monitor);
      if (cutTimer) clearTimeout(cutTimer);
      cpuMeter.tick(Date.now());
      if (depthTimer) clearInterval(depthTimer);
      progress.finish(snapshot(Date.now(), 0));
    }
    result.endedAt = Date.now();
    result.interrupted = interrupted;
    result.abandoned = abandoned;
    // Where the queues stand afterwards (also the timeline's last depth point): what is left,
    // and what went to a dead-letter queue.
    try {
      result.queues = await Promise.all(queueUrls.map((u) => queueDepth(admin, u)));
      if (depthTimer) recordDepth(result.queues);
      if (config.drain && dlqUrls.length) {
        const dlq = await Promise.all(dlqUrls.map((u) => queueDepth(admin, u)));
        result.dlqDepth = dlq.reduce((n, q) => n + messagesIn(q), 0);
      } else if (config.drain) result.dlqDepth = null;
    } catch {
      // The load is measured; a server gone at the very end must not cost the report.
    }
    result.timeline = mergeTimelines([result.timeline, mainTimeline.toJSON()]);
    admin.destroy();
    const cpu = process.cpuUsage();
    const messages = result.sent + result.received;
    result.client = {
      cpuUserS: cpu.user / 1e6,
      cpuSystemS: cpu.system / 1e6,
      usPerMessage: messages ? Math.round(((cpu.user + cpu.system) / messages) * 10) / 10 : null,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      embeddedServer: config.local,
    };
    return finalize(result);
  } catch (e) {
    if (e instanceof UsageError || loadStarted) throw e;
    throw setupError(e, endpointOf(config.connection), 'setting up the run');
  } finally {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
    if (graceTimer) clearTimeout(graceTimer);
    await pool?.destroy();
    await server?.stop();
  }
}
