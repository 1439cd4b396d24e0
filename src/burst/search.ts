/**
 * `sqs-blast burst`: raise the open-model rate step by step until a step fails its SLO, then
 * refine between the last good and the first bad step. Each step is a paced send (with --drain
 * a paced run: consumers too) judged on what happened in it (after its warm-up); the highest
 * passing target is the sustained rate.
 */
import { SATURATED } from '../metrics/loop.js';
import type { BurstOptions, ClientLimit, Search, Step } from '../result/burst.js';
import type { Result } from '../result/document.js';
import { isThrottle } from '../sqs/error-codes.js';
import { backlogOf, consumerFailures, externalVerdict } from './backlog.js';
import { depthGrowth, hostBusy, measuredBusy } from './window.js';

/**
 * The least growth that fails a step, whatever the share: a receive batch (up to 10 messages)
 * can land on either side of each edge of the window while the consumers keep up.
 */
export const GROWTH_FLOOR = 20;



export function judgeStep(r: Result, target: number, o: BurstOptions, phase: Step['phase']): Step {
  let errors = 0;
  let throttles = 0;
  for (const [code, n] of Object.entries(r.errors)) {
    errors += n;
    if (isThrottle(code)) throttles += n;
  }
  const calls = r.cost.sendCalls + errors;
  // Messages sent in the step's measured window over the window's length: lanes start no batch
  // after the window ends, so a client or server that falls behind shows as a shortfall, while the
  // last replies' tail does not stretch the window (as msg/s to the last reply would).
  const achieved = Math.round(((r.sent - (r.warmupSent ?? 0)) / (o.stepMs / 1000)) * 10) / 10;
  const busy = measuredBusy(r, o.stepMs);
  const growth = o.drain ? depthGrowth(r, o.stepMs) : null;
  const step: Step = {
    phase,
    target,
    achieved,
    p50: r.latency?.p50 ?? null,
    p99: r.latency?.p99 ?? null,
    calls,
    throttles,
    errors,
    clientBusy: busy,
    hostBusy: hostBusy(r, o.stepMs),
    depthGrowth: growth?.growth ?? null,
    consumersBehind: false,
    foreign: o.drain ? r.foreign : null,
    passed: true,
    why: [],
  };
  if (achieved < o.minAchievedShare * target) step.why.push(`achieved ${achieved} < ${Math.round(o.minAchievedShare * 100)}% of ${target} msg/s`);
  if (errorsOverSlo(step, o)) step.why.push(`errors ${errors} (${throttles} throttles) in ${calls} calls > ${o.sloErrorShare * 100}%`);
  if (step.p99 !== null && step.p99 > o.sloP99Ms) step.why.push(`p99 ${step.p99} ms > ${o.sloP99Ms} ms`);
  if (r.failed) step.why.push(`${r.failed} messages failed`);
  if (o.drain) judgeConsumers(r, step, growth, o);
  if (o.external) judgeExternal(r, step, o);
  step.passed = step.why.length === 0;
  return step;
}

/** --drain: the consumers kept up (the backlog did not grow), and every message sent arrived. */
function judgeConsumers(r: Result, step: Step, growth: ReturnType<typeof depthGrowth>, o: BurstOptions): void {
  if (!growth) step.why.push('no timeline to judge the depth growth by');
  else if (growth.growth > Math.max(GROWTH_FLOOR, o.maxGrowthShare * growth.sent)) {
    step.consumersBehind = true;
    step.why.push(`depth grew by ${growth.growth} messages (${growth.sent} sent in the window)`);
  }
  if (r.missing) step.why.push(`${r.missing} messages missing`);
  // Messages not of this step inflate what the consumers seem to take: the growth would be hidden.
  if (r.foreign) step.why.push(`${r.foreign} messages received that were not this step's`);
}

/** --consumer external: the backlog burst sampled did not grow beyond the bound, and no message went to a DLQ. */
function judgeExternal(r: Result, step: Step, o: BurstOptions): void {
  const b = backlogOf(r, o.stepMs);
  const failures = consumerFailures(b, o.maxGrowthShare);
  Object.assign(step, {
    depthGrowth: b?.growth ?? null,
    consumedPerSec: b?.consumedPerSec ?? null,
    backlogPerSec: b?.growthPerSec ?? null,
    dlqGain: b?.dlqGain ?? null,
    consumersBehind: failures.behind,
    consumersFailed: failures.failedMessages,
  });
  step.why.push(...failures.why);
}

/** Runs the search; `runStep(rate)` sends one step at that rate (msg/s for the whole run) and returns its result. */
export async function search(o: BurstOptions, runStep: (rate: number) => Promise<Result>, onStep: (s: Step) => void = () => {}): Promise<Search> {
  const steps: Step[] = [];
  const run = async (target: number, phase: Step['phase']) => {
    const s = judgeStep(await runStep(target), target, o, phase);
    steps.push(s);
    onStep(s);
    return s;
  };
  let good: Step | undefined;
  let bad: Step | undefined;
  for (let target = o.startRate; target <= o.ceiling; target = Math.round(target * o.stepFactor)) {
    const s = await run(target, 'coarse');
    if (!s.passed) {
      bad = s;
      break;
    }
    good = s;
  }
  // Bisect between the last good and the first bad coarse step.
  let lo = good?.target ?? 0;
  let hi = bad?.target;
  // A step that met someone else's messages judged nothing; neither would the next ones.
  for (let i = 0; hi !== undefined && !bad?.foreign && i < o.refineSteps && hi - lo > 1; i++) {
    const s = await run(Math.round((lo + hi) / 2), 'refine');
    if (s.passed) lo = s.target;
    else {
      hi = s.target;
      bad = s;
    }
  }
  return searchVerdict(steps, o);
}

/** A step's error events (throttles included) over --slo-errors of its calls. */
function errorsOverSlo(step: Pick<Step, 'calls' | 'errors'>, o: BurstOptions): boolean {
  return step.calls > 0 && step.errors / step.calls > o.sloErrorShare;
}

function clientLimit(step: Step, o: BurstOptions): ClientLimit | null {
  if ((step.clientBusy ?? 0) >= SATURATED) return 'loops';
  // A busy host explains a shortfall or a slow p99, not errors: a server that throttled or
  // refused said so itself, however crowded the client's host was.
  if ((step.hostBusy ?? 0) >= SATURATED && !errorsOverSlo(step, o)) return 'host';
  return null;
}

/**
 * The verdict of judged steps, in any order: the limit is the lowest failing target, the
 * sustained rate the highest passing target below it. For the search this is its last bad step
 * and last good one (bisection only narrows); for a fixed ladder (sharded bursts, judged by
 * `report`) it is the highest passing step before the first failure: a step that passed above a
 * failed one (a lucky second) does not count.
 */
export function searchVerdict(steps: Step[], o: BurstOptions): Search {
  const bad = steps.filter((s) => !s.passed).reduce<Step | undefined>((m, s) => (m === undefined || s.target < m.target ? s : m), undefined);
  const below = steps.filter((s) => s.passed && (bad === undefined || s.target < bad.target));
  const sustained = below.reduce<number | null>((m, s) => (m === null || s.target > m ? s.target : m), null);
  const by = bad && clientLimit(bad, o);
  const limit = bad
    ? {
        target: bad.target,
        clientLimited: by !== null,
        clientLimitedBy: by ?? null,
        consumersBehind: bad.consumersBehind,
        growth: bad.depthGrowth,
        foreign: bad.foreign ?? 0,
        why: bad.why,
        ...(o.external ? { consumersFailed: bad.consumersFailed ?? false, backlogPerSec: bad.backlogPerSec ?? null, consumedPerSec: bad.consumedPerSec ?? null, dlqGain: bad.dlqGain ?? null } : {}),
      }
    : null;
  return { sustainedMsgPerSec: sustained, steps, limit, verdict: verdictOf(sustained, limit, o) };
}

function verdictOf(sustained: number | null, limit: Search['limit'], o: BurstOptions): string {
  const external = o.external ? externalVerdict(sustained, limit, o.ceiling, o.startRate) : null;
  if (external) return external;
  const held = sustained === null ? `no step held (the first, ${o.startRate} msg/s, failed)` : `sustained ${sustained} msg/s`;
  if (!limit) return `${held}; the ceiling (${o.ceiling} msg/s) was reached without a failing step`;
  if (limit.foreign) {
    return `${held}; the queue was not empty: the step at ${limit.target} msg/s received ${limit.foreign} messages not of this burst, which hide the consumers' pace; purge the queue (sqs-blast queues purge) or use a fresh --queue-prefix, and run again`;
  }
  // Consumers first: a backlog that grew is their shortfall whatever else failed in the step (a
  // saturated client or a throttling server sends less, which shrinks the growth, never makes it).
  if (limit.consumersBehind) {
    return `${held}; consumers fell behind at ${limit.target} msg/s: depth grew by ${limit.growth} messages in the step; add --drain-workers/--drain-concurrency or pods`;
  }
  if (limit.clientLimitedBy === 'loops') return `${held}; client-limited: add --workers or pods (the worker loops were ≥ ${SATURATED * 100}% busy at ${limit.target} msg/s)`;
  if (limit.clientLimitedBy === 'host') return `${held}; client-limited: add pods or a bigger node (the client host's CPUs were ≥ ${SATURATED * 100}% busy at ${limit.target} msg/s)`;
  return `${held}; the server's limit at ${limit.target} msg/s: ${limit.why.join('; ')}`;
}
