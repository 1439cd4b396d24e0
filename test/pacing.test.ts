/** --rate, --stages and --warmup into the plan every worker and shard shares (config/pacing.ts). */
import { describe, expect, it } from 'vitest';
import { resolvePacing } from '../src/config/pacing.js';
import { Schedule } from '../src/load/schedule.js';
import { UsageError } from '../src/errors.js';

describe('resolvePacing', () => {
  it('no --rate and no --stages: as fast as possible, unbounded', () => {
    expect(resolvePacing({}, 1, undefined)).toEqual({ rate: undefined, bounded: false, schedule: { warmupMs: 0, segments: [], endMs: Infinity } });
  });

  it('--rate is split across shards, and --warmup lengthens a --duration', () => {
    const p = resolvePacing({ rate: 1000, warmup: 2 }, 4, 10_000);
    expect(p.rate).toBe(250);
    expect(p.bounded).toBe(false);
    expect(p.schedule).toEqual({ warmupMs: 2000, segments: [{ durationMs: Infinity, from: 250, to: 250 }], endMs: 12_000 });
  });

  it('--stages are each shard’s share, bound the run, and a warm-up runs at the first stage’s target', () => {
    const p = resolvePacing({ stages: '1s:400,2s:0', warmup: 1 }, 2, undefined);
    expect(p.rate).toBeUndefined();
    expect(p.bounded).toBe(true);
    expect(p.schedule.segments).toEqual([
      { durationMs: 1000, from: 200, to: 200 },
      { durationMs: 1000, from: 0, to: 200 },
      { durationMs: 2000, from: 200, to: 0 },
    ]);
    expect(p.schedule.endMs).toBe(4000);
    // 200 in the warm-up, 100 up the ramp, 200 down: this shard's 500 messages.
    expect(new Schedule(p.schedule).dueBy(Infinity)).toBeCloseTo(500, 9);
  });

  it('a --duration shorter than the --stages ends the run first', () => {
    expect(resolvePacing({ stages: '10s:100' }, 1, 3000).schedule.endMs).toBe(3000);
  });

  it('refuses bad input in one line naming the flag and the fix', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ rate: 0 }, '--rate (env SQS_BLAST_RATE) must be a number > 0 (got 0); give messages per second, e.g. --rate 5000, or leave it out for full speed'],
      [{ stages: '30:fast' }, '--stages (env SQS_BLAST_STAGES) must be DURATION:RATE,… e.g. 30s:1000,2m:20000,30s:0 (durations in ms, s, m or h; got "30:fast")'],
      [{ stages: '1s:5', rate: 5 }, '--stages and --rate both set the pace; give one of them'],
      [{ stages: '1s:0,2s:0' }, '--stages (env SQS_BLAST_STAGES) never sends: give at least one stage a rate above 0'],
      [{ warmup: -1 }, '--warmup (env SQS_BLAST_WARMUP) must be a number >= 0 (got -1)'],
    ];
    for (const [args, message] of cases) {
      let thrown: unknown;
      try {
        resolvePacing(args, 1, undefined);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(UsageError);
      expect((thrown as Error).message).toBe(message);
    }
  });

  it('a stage list with one stage above 0 among zeros is fine', () => {
    expect(resolvePacing({ stages: '1s:0,1s:10' }, 1, undefined).schedule.segments).toHaveLength(2);
  });
});
