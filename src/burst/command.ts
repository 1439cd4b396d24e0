/** `sqs-blast burst`: flags → a search of paced send steps (burst/search.ts) → table, verdict, JSON. */
import { writeFileSync } from 'node:fs';
import { randomRunId, resolveConfig } from '../config.js';
import { boolArg, flagOf, intArg, nonNegativeArg, positiveArg, stringArg, type RawArgs } from '../config/args.js';
import { burstDrainOptions } from '../cli/options.js';
import { UsageError } from '../errors.js';
import { execute } from '../runner.js';
import { BURST_DEFAULTS } from './defaults.js';
import { writeSearchHtml } from './html.js';
import { renderSearch } from './render.js';
import { search, type BurstOptions } from './search.js';


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
  const stray = drain ? undefined : DRAIN_ONLY.find((key) => args[key] !== undefined);
  if (stray) throw new UsageError(`${flagOf(stray)} shapes the consumers of burst --drain: add --drain, or drop ${flagOf(stray)}`);
  const sloErrors = positiveArg(args, 'sloErrors', 'give a percentage of calls, e.g. --slo-errors 1') ?? D.sloErrors;
  return {
    startRate,
    stepFactor,
    stepMs: (positiveArg(args, 'stepDuration', 'give seconds per step, e.g. --step-duration 10') ?? D.stepDuration) * 1000,
    ceiling,
    refineSteps: intArg(args, 'refineSteps', 0, 20, 'give how many bisection steps follow the first failing step') ?? D.refineSteps,
    sloP99Ms: positiveArg(args, 'sloP99', 'give the send p99 a step may reach in ms, e.g. --slo-p99 250') ?? D.sloP99,
    sloErrorShare: sloErrors / 100,
    minAchievedShare: 0.97,
    drain,
    // The consumers' mirror of the 97% the producers must achieve: they take at least 97% of
    // what was sent in the window, or the backlog grew.
    maxGrowthShare: 0.03,
  };
}

export async function runBurst(args: RawArgs): Promise<void> {
  const o = resolveBurst(args);
  const command = o.drain ? 'run' : 'send';
  const runId = stringArg(args, 'runId') ?? randomRunId();
  const stepArgs = (rate: number, n: number): RawArgs => {
    const warmup = nonNegativeArg(args, 'warmup') ?? BURST_DEFAULTS.warmup;
    // --out and --html are the search's own: a step writes neither.
    const step: RawArgs = { ...args, drain: undefined, out: undefined, html: undefined, rate, duration: o.stepMs / 1000, warmup, quiet: true };
    if (!o.drain) return step;
    // run knows a bounded step's messages up front, so its consumers count each one exactly and
    // stop once all have arrived: the next step never starts on this one's backlog. The extra
    // batch keeps --duration, not the count, the end of the sends.
    step.total = Math.ceil(rate * (warmup + o.stepMs / 1000)) + 10;
    // No backlog cap: senders held back by it would hide the growth as a send shortfall.
    step.maxBacklog = 0;
    // A run id per step, and the consumers count only that one's messages: anything else in the
    // queue (an earlier run's backlog) shows as foreign, not as received, nor as missing.
    step.runId = step.onlyRunId = `${runId.slice(0, 28)}-${n}`;
    return step;
  };
  resolveConfig(command, stepArgs(o.startRate, 0)); // every other flag is refused before a step runs
  const out = stringArg(args, 'out');
  let n = 0;
  const s = await search(o, (rate) => execute(resolveConfig(command, stepArgs(rate, ++n))), (step) => {
    const growth = step.depthGrowth === null ? '' : `, depth ${step.depthGrowth >= 0 ? '+' : ''}${step.depthGrowth}`;
    process.stderr.write(`burst: ${step.target} msg/s → ${step.achieved} achieved, p99 ${step.p99 ?? '-'} ms${growth}: ${step.passed ? 'pass' : 'FAIL'}\n`);
  });
  const doc = { kind: 'burst', schema: 'sqs-blast/burst@1', search: s };
  if (out) writeFileSync(out, JSON.stringify(doc, null, 2));
  const html = stringArg(args, 'html');
  if (html) writeSearchHtml(html, s);
  process.stdout.write((args.json ? JSON.stringify(doc) : renderSearch(s)) + '\n');
  process.exitCode = 0;
}
