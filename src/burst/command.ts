/**
 * `sqs-blast burst`: flags → a search of paced send steps (burst/search.ts), or with --start-at
 * (required with --shards > 1) one shard's climb of a shared ladder (burst/ladder-run.ts) → the
 * burst document (result/burst.ts), table, verdict.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveConfig } from '../config.js';
import { boolArg, flagOf, intArg, nonNegativeArg, positiveArg, stringArg, type RawArgs } from '../config/args.js';
import { burstDrainOptions } from '../config/flags.js';
import { EXIT, UsageError } from '../errors.js';
import type { Result } from '../result/document.js';
import { checkWritable, deliver, openStore, withStoreNotes } from '../report/sink.js';
import { execute } from '../runner.js';
import { BURST_DEFAULTS, EXTERNAL_DEFAULTS } from '../config/defaults.js';
import { BURST_SCHEMA, type BurstDocument, type BurstOptions, type Search, type Step, type StepRecord } from '../result/burst.js';
import { renderSearchHtml } from './html.js';
import { externalNote } from './backlog.js';
import { BacklogWatch, resolveExternal } from './external.js';
import { climbLadder, PREPARE_MS, windowOf } from './ladder-run.js';
import { resolveLadder, stepStartAt } from './ladder.js';
import { renderSearch } from './render.js';
import { searchVerdict, search } from './search.js';


/** The flags burst sets itself on every step. */
const PER_STEP = ['rate', 'stages', 'total', 'duration', 'expect'];
/** The consumers' flags, for burst --drain only. */
const DRAIN_ONLY = Object.keys(burstDrainOptions).map((flag) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));

export function resolveBurst(args: RawArgs): BurstOptions {
  for (const key of PER_STEP) {
    if (args[key] !== undefined) throw new UsageError(`--${key} is set by burst for each step; shape the search with --start-rate, --step-factor, --step-duration and --ceiling`);
  }
  const D = BURST_DEFAULTS;
  const startRate = positiveArg(args, 'startRate', 'give the first step’s msg/s, e.g. --start-rate 1000') ?? D.startRate;
  const stepFactor = positiveArg(args, 'stepFactor', 'give how much each step raises the rate, e.g. --step-factor 1.5') ?? D.stepFactor;
  if (stepFactor <= 1) throw new UsageError(`--step-factor (env SQS_BLAST_STEP_FACTOR) must be > 1 (got ${stepFactor}); e.g. --step-factor 1.5`);
  const ceiling = positiveArg(args, 'ceiling', 'give the highest msg/s to try, e.g. --ceiling 50000') ?? D.ceiling;
  if (ceiling < startRate) throw new UsageError(`--ceiling ${ceiling} is below --start-rate ${startRate}; raise the ceiling or lower the start`);
  if (args.onlyRunId !== undefined) throw new UsageError('--only-run-id is set by burst --drain for each step (each step counts its own messages); drop it');
  if (args.maxBacklog !== undefined) throw new UsageError('--max-backlog would hold the senders back and hide the backlog growth a burst --drain step is judged on; drop it (each step drains its own backlog)');
  const drain = boolArg(args, 'drain') ?? false;
  const { external, settleMs } = resolveExternal(args, drain, DRAIN_ONLY);
  const stray = drain || external ? undefined : DRAIN_ONLY.find((key) => args[key] !== undefined);
  if (stray) throw new UsageError(`${flagOf(stray)} shapes the consumers of burst --drain: add --drain, or drop ${flagOf(stray)}`);
  const maxGrowth = positiveArg(args, 'maxGrowth', 'give a percentage of the messages a step sends, e.g. --max-growth 3');
  if (maxGrowth !== undefined && !drain && !external) throw new UsageError('--max-growth bounds the backlog a step’s consumers let grow: add --drain or --consumer external, or drop --max-growth');
  const sloErrors = positiveArg(args, 'sloErrors', 'give a percentage of calls, e.g. --slo-errors 1') ?? D.sloErrors;
  return {
    startRate,
    stepFactor,
    stepMs: (positiveArg(args, 'stepDuration', 'give seconds per step, e.g. --step-duration 10') ?? (external ? EXTERNAL_DEFAULTS.stepDuration : D.stepDuration)) * 1000,
    ceiling,
    refineSteps: intArg(args, 'refineSteps', 0, 20, 'give how many bisection steps follow the first failing step') ?? D.refineSteps,
    sloP99Ms: positiveArg(args, 'sloP99', 'give the send p99 a step may reach in ms, e.g. --slo-p99 250') ?? D.sloP99,
    sloErrorShare: sloErrors / 100,
    minAchievedShare: 0.97,
    drain,
    // The consumers' mirror of the 97% the producers must achieve: they take at least 97% of
    // what was sent in the window, or the backlog grew.
    maxGrowthShare: (maxGrowth ?? D.maxGrowth) / 100,
    ...(external ? { external, settleMs } : {}),
  };
}

export async function runBurst(args: RawArgs): Promise<void> {
  const o = resolveBurst(args);
  const warmup = nonNegativeArg(args, 'warmup') ?? (o.external ? EXTERNAL_DEFAULTS.warmup : BURST_DEFAULTS.warmup);
  const ladder = resolveLadder(args, o, warmup * 1000);
  const command = o.drain ? 'run' : 'send';
  // Every other flag is refused before a step runs; the probe also settles the run id (flag,
  // JOB_UID, else random) and the shard, as the load commands settle them.
  const probe = resolveConfig(command, { ...args, drain: undefined, out: undefined, html: undefined, rate: o.startRate, duration: o.stepMs / 1000, warmup });
  const runId = probe.runId;
  const stepArgs = (rate: number, index: number): RawArgs => {
    // --out and --html are the burst's own: a step writes neither.
    const step: RawArgs = { ...args, drain: undefined, out: undefined, html: undefined, rate, duration: o.stepMs / 1000, warmup, quiet: true, resultLine: false };
    // A run id per step: its messages stay apart from the other steps' (and --drain's consumers
    // count only that one's; anything else in the queue, an earlier run's backlog, shows as
    // foreign, not as received, nor as missing). Every shard derives the same one.
    step.runId = `${runId.slice(0, 28)}-${index}`;
    // An earlier step's leftovers are judged by the step (foreign ends the search), not refused.
    step.allowForeign = true;
    // External consumers: burst samples the depth itself, every second, around the whole step (burst/external.ts).
    if (o.external) step.depthInterval = 0;
    if (!o.drain) return step;
    // run knows a bounded step's messages up front, so its consumers count each one exactly and
    // stop once all have arrived: the next step never starts on this one's backlog. The extra
    // batch keeps --duration, not the count, the end of the sends.
    step.total = Math.ceil(rate * (warmup + o.stepMs / 1000)) + 10;
    // No backlog cap: senders held back by it would hide the growth as a send shortfall.
    step.maxBacklog = 0;
    step.onlyRunId = step.runId;
    return step;
  };
  const out = stringArg(args, 'out');
  checkWritable(out);
  checkWritable(stringArg(args, 'html'), '--html');
  const store = await openStore(out, probe.connection.endpoint, probe.connection.region);
  const log = (line: string) => process.stderr.write(line + '\n');
  let watch: BacklogWatch | undefined;
  // A step with external consumers runs inside the watch's depth samples; the settle ends by
  // --settle-timeout, or in a sharded ladder also before the next step's setup.
  const watched = (run: () => Promise<Result>, nextStartAt?: number): Promise<Result> =>
    watch ? watch.around(run, () => Math.min(Date.now() + o.settleMs!, nextStartAt === undefined ? Infinity : nextStartAt - PREPARE_MS - 500)) : run();
  const startedAt = Date.now();
  const records: StepRecord[] = [];
  let skipped: number[] = [];
  let stopped: string | null = null;
  let s: Search;
  let interrupted: string | null = null;
  try {
    if (o.external) watch = await BacklogWatch.open(probe, args, { log });
    if (ladder) {
      // Between steps no run listens for signals: a pod stopped in a gap keeps the steps it ran.
      const stop = new AbortController();
      let signal: string | null = null;
      const onSignal = (name: string) => {
        signal ??= name;
        stop.abort();
      };
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
      const climbed = await climbLadder(ladder, o, probe.shards, {
        runStep: (index, rate, notBefore) => {
          const config = resolveConfig(command, stepArgs(rate, index));
          config.send!.schedule.notBefore = notBefore;
          return watched(() => execute(config), index + 1 < ladder.targets.length ? stepStartAt(ladder, index + 1) : undefined);
        },
        log: (line) => process.stderr.write(line + '\n'),
        wait: (ms) => sleep(ms, undefined, { signal: stop.signal }).catch(() => {}),
        interrupted: () => signal,
      }).finally(() => process.off('SIGINT', onSignal).off('SIGTERM', onSignal));
      records.push(...climbed.records);
      ({ skipped, stopped } = climbed);
      if (signal) interrupted = signal;
      s = shardSearch(climbed.steps, o, probe.shard, probe.shards, skipped.length, stopped);
    } else {
      let n = 0;
      s = await search(
        o,
        async (rate) => {
          const index = n++;
          const result = await watched(() => execute(resolveConfig(command, stepArgs(rate, index))));
          records.push({ index, phase: 'coarse', target: rate, shareTarget: rate, window: windowOf(result, null, warmup * 1000, o.stepMs), result });
          return result;
        },
        (step) => {
          records[records.length - 1].phase = step.phase;
          const growth = o.external ? externalNote(step) : step.depthGrowth === null ? '' : `, depth ${step.depthGrowth >= 0 ? '+' : ''}${step.depthGrowth}`;
          process.stderr.write(`burst: ${step.target} msg/s → ${step.achieved} achieved, p99 ${step.p99 ?? '-'} ms${growth}: ${step.passed ? 'pass' : 'FAIL'}\n`);
        },
      );
    }
  } catch (e) {
    store?.close();
    throw e;
  } finally {
    watch?.close();
  }
  const doc: BurstDocument = { kind: 'burst', schema: BURST_SCHEMA, runId, shard: probe.shard, shards: probe.shards, startedAt, options: o, ladder, steps: records, skipped, stopped, search: s };
  const signal = interrupted ?? records.find((r) => r.result.interrupted)?.result.interrupted;
  const code = signal === 'SIGINT' ? EXIT.sigint : signal === 'SIGTERM' ? EXIT.sigterm : EXIT.ok;
  const title = doc.shards > 1 ? `sqs-blast burst: shard ${doc.shard} of ${doc.shards} (targets and figures are this shard's share)` : undefined;
  process.exitCode = await deliver(
    {
      doc,
      noun: 'burst document',
      key: doc,
      lines: true,
      text: (exit, stored) => withStoreNotes(renderSearch(doc.search, title), exit, stored),
      html: () => renderSearchHtml(doc.search),
    },
    { out, html: stringArg(args, 'html'), json: Boolean(args.json), resultLine: probe.output.resultLine },
    code,
    store,
  );
}

/** One shard's own view: its share's steps, and a verdict that sends the reader to `report`. */
function shardSearch(steps: Step[], o: BurstOptions, shard: number, shards: number, skipped: number, stopped: string | null): Search {
  const own = searchVerdict(steps, o);
  if (shards === 1) return own;
  const ran = `shard ${shard} of ${shards} ran ${steps.length} step${steps.length === 1 ? '' : 's'} on its share${skipped ? `, skipped ${skipped}` : ''}${stopped ? ` (stopped: ${stopped})` : ''}`;
  return { ...own, verdict: `${ran}; the fleet's verdict comes from its merged steps: sqs-blast report <every shard's --out, logs or s3://>` };
}
