/** --rate, --stages and --warmup: when batches start, validated into a plan every worker shares. */
import { UsageError } from '../errors.js';
import { planSchedule, parseStages, type SchedulePlan } from '../load/schedule.js';
import { shardRate } from '../shard.js';
import { describe, nonNegativeArg, positiveArg, stringArg, type RawArgs } from './args.js';

export interface Pacing {
  /** This shard's msg/s with --rate. */
  rate?: number;
  /** The schedule of this shard (rates already its share). */
  schedule: SchedulePlan;
  /** True when --stages end the run by themselves (like --duration). */
  bounded: boolean;
}

export function resolvePacing(args: RawArgs, shards: number, durationMs: number | undefined): Pacing {
  const rate = positiveArg(args, 'rate', 'give messages per second, e.g. --rate 5000, or leave it out for full speed');
  const warmupS = nonNegativeArg(args, 'warmup') ?? 0;
  const text = stringArg(args, 'stages');
  let stages;
  if (text !== undefined) {
    stages = parseStages(text);
    if (!stages) throw new UsageError(`${describe('stages')} must be DURATION:RATE,… e.g. 30s:1000,2m:20000,30s:0 (durations in ms, s, m or h; got ${JSON.stringify(text)})`);
    if (rate !== undefined) throw new UsageError('--stages and --rate both set the pace; give one of them');
    if (stages.every((s) => s.target === 0)) throw new UsageError(`${describe('stages')} never sends: give at least one stage a rate above 0`);
  }
  const share = rate !== undefined ? shardRate(rate, shards) : undefined;
  const schedule = planSchedule({
    rate: share,
    stages: stages?.map((s) => ({ durationMs: s.durationMs, target: shardRate(s.target, shards) })),
    warmupMs: warmupS * 1000,
    durationMs,
  });
  return { rate: share, schedule, bounded: stages !== undefined };
}
