/** Sharded bursts on hand-built step results (no network): the shared ladder, one shard's climb, and report's step-by-step merge and verdict. */
import { describe, expect, it } from 'vitest';
import { BURST_SCHEMA, type BurstDocument, type BurstOptions } from '../src/result/burst.js';
import { climbLadder, fleetFailedAnyway, MIN_LEAD_MS, PREPARE_MS } from '../src/burst/ladder-run.js';
import { ladderTargets, parseStartAt, planLadder, resolveLadder } from '../src/burst/ladder.js';
import { judgeBursts } from '../src/burst/merge.js';
import { STEP_MS, stepResult } from './burst-fixtures.js';
import { resultChunks, ResultCollector } from '../src/result/lines.js';
import type { Result } from '../src/result/document.js';

const O: BurstOptions = {
  startRate: 500,
  stepFactor: 2,
  stepMs: STEP_MS,
  ceiling: 4000,
  refineSteps: 0,
  sloP99Ms: 50,
  sloErrorShare: 0.01,
  minAchievedShare: 0.97,
  drain: false,
  maxGrowthShare: 0.03,
};
const LADDER = planLadder(1_700_000_000_000, 1000, 2000, 2000, ladderTargets(500, 2, 4000));

const shardStep = (rate: number, o: Parameters<typeof stepResult>[1] = {}): Result => stepResult(rate, { runId: 'r1-0', ...o });

function doc(shard: number, steps: Array<[index: number, Result]>, over: Partial<BurstDocument> = {}): BurstDocument {
  return {
    kind: 'burst',
    schema: BURST_SCHEMA,
    runId: 'r1',
    shard,
    shards: 2,
    startedAt: 0,
    options: O,
    ladder: LADDER,
    steps: steps.map(([index, result]) => ({
      index,
      phase: 'coarse',
      target: LADDER.targets[index],
      shareTarget: LADDER.targets[index] / 2,
      window: { plannedStartAt: index * LADDER.periodMs, startedAt: index * LADDER.periodMs + shard * 3, measuredFrom: 0, measuredTo: 0 },
      result,
    })),
    skipped: [],
    stopped: null,
    search: { sustainedMsgPerSec: null, steps: [], limit: null, verdict: '' },
    ...over,
  };
}

describe('the shared ladder', () => {
  it('has fixed targets to the ceiling, and every step starts at start + k × (warm-up + step + gap)', () => {
    expect(LADDER.targets).toEqual([500, 1000, 2000, 4000]);
    expect(LADDER.periodMs).toBe(5000);
  });

  it('reads --start-at as epoch seconds or ISO-8601 with a zone, and refuses the rest in one line naming the flag', () => {
    expect(parseStartAt({ startAt: '1700000000' })).toBe(1_700_000_000_000);
    expect(parseStartAt({ startAt: '1700000000.5' })).toBe(1_700_000_000_500);
    expect(parseStartAt({ startAt: '2026-11-27T09:00:00Z' })).toBe(Date.UTC(2026, 10, 27, 9));
    for (const bad of ['soon', '2026-11-27T09:00:00', '-5']) expect(() => parseStartAt({ startAt: bad })).toThrow(/^--start-at \(env SQS_BLAST_START_AT\) must be epoch seconds/);
  });

  it('is required with --shards > 1, and refuses what would need one process’s decision', () => {
    const base = { startRate: 500, stepFactor: 2, ceiling: 4000, stepMs: 2000, drain: false };
    expect(() => resolveLadder({ shards: 4 }, base, 1000)).toThrow(/^burst --shards 4 needs --start-at \(env SQS_BLAST_START_AT\)/);
    expect(resolveLadder({}, base, 1000)).toBeNull();
    expect(() => resolveLadder({ shards: 2, startAt: '1700000000', refineSteps: 2 }, base, 1000)).toThrow(/^--refine-steps/);
    expect(() => resolveLadder({ shards: 2, startAt: '1700000000' }, { ...base, drain: true }, 1000)).toThrow(/^burst --drain/);
    expect(resolveLadder({ shards: 2, startAt: '1700000000', stepGap: 3 }, base, 1000)).toMatchObject({ startAt: 1_700_000_000_000, periodMs: 6000 });
  });
});

describe('one shard’s climb', () => {
  it('skips the steps whose start has passed (saying so), and holds every other step to its planned moment', async () => {
    let clock = LADDER.startAt + 200; // started 200 ms after step 1 was due
    const asked: Array<[number, number]> = [];
    const lines: string[] = [];
    const out = await climbLadder(LADDER, O, 2, {
      now: () => clock,
      wait: async (ms) => void (clock += ms),
      log: (l) => lines.push(l),
      runStep: async (index, target, notBefore) => {
        asked.push([index, notBefore]);
        expect(notBefore - clock).toBe(PREPARE_MS);
        clock = notBefore + 3000;
        return shardStep(target / 2, { at: notBefore + 1000 });
      },
    });
    expect(out.skipped).toEqual([0]);
    expect(lines[0]).toMatch(/^burst: step 1 \(500 msg\/s, due .*\) skipped: 200 ms past its start/);
    expect(asked).toEqual([1, 2, 3].map((k) => [k, LADDER.startAt + k * LADDER.periodMs]));
    expect(out.records.map((r) => r.window.startedAt - r.window.plannedStartAt!)).toEqual([0, 0, 0]);
    expect(MIN_LEAD_MS).toBeLessThan(PREPARE_MS);
  });

  it('stops only when its own step failed the fleet’s whatever the other shards did', async () => {
    // 100 throttles against its own 100 calls and at most 1500 of the other shard's: over 1% for sure.
    expect(fleetFailedAnyway(shardStep(500, { throttles: 100 }), 500, O, 2, LADDER)).toMatch(/^its 100 errors are over 1% of the most calls the fleet could have made/);
    // 10 throttles could be diluted below 1% by the other shard's calls: go on.
    expect(fleetFailedAnyway(shardStep(500, { throttles: 10 }), 500, O, 2, LADDER)).toBeNull();
    const failed = shardStep(500);
    failed.failed = 3;
    expect(fleetFailedAnyway(failed, 500, O, 2, LADDER)).toBe('3 messages failed');
    let clock = LADDER.startAt - 10_000;
    const out = await climbLadder(LADDER, O, 2, {
      now: () => clock,
      wait: async (ms) => void (clock += ms),
      log: () => {},
      runStep: async (index, target, notBefore) => {
        clock = notBefore + 3000;
        return shardStep(target / 2, { throttles: index === 1 ? 500 : 0 });
      },
    });
    expect(out.records.map((r) => r.index)).toEqual([0, 1]);
    expect(out.skipped).toEqual([2, 3]);
    expect(out.stopped).toMatch(/^step 2 \(1000 msg\/s\) failed for the whole fleet whatever the other shards did/);
  });
});

describe('report on burst documents', () => {
  it('merges each step across shards exactly and judges the fleet: sustained is the highest passing step before the first failure', () => {
    // Fleet capacity ~1500 msg/s: at 2000 the shards achieve 800 + 700 of 1000 each.
    const a = doc(0, [[0, shardStep(250)], [1, shardStep(500)], [2, shardStep(800)], [3, shardStep(2000)]]);
    const b = doc(1, [[0, shardStep(250)], [1, shardStep(500)], [2, shardStep(700)], [3, shardStep(2000)]]);
    const { search, warnings } = judgeBursts([a, b]);
    expect(search.steps.map((s) => [s.target, s.achieved, s.passed])).toEqual([
      [500, 500, true],
      [1000, 1000, true],
      [2000, 1500, false],
      // Passed above the failure (a lucky step): it does not raise the sustained rate.
      [4000, 4000, true],
    ]);
    // 1000 messages a shard in the 2 s window, 10 a call: both shards' calls add.
    expect(search.steps[1].calls).toBe(200);
    expect(search.sustainedMsgPerSec).toBe(1000);
    expect(search.limit).toMatchObject({ target: 2000, clientLimited: false });
    expect(search.verdict).toMatch(/^sustained 1000 msg\/s; the server's limit at 2000 msg\/s: achieved 1500 < 97% of 2000 msg\/s/);
    expect(warnings).toEqual([]);
  });

  it('a merged step is client-limited when any shard’s producers were ≥ 90% busy, however idle the others', () => {
    const a = doc(0, [[0, shardStep(250)], [1, shardStep(400, { busy: 0.95 })]]);
    const b = doc(1, [[0, shardStep(250)], [1, shardStep(500, { busy: 0.3 })]]);
    const { search } = judgeBursts([a, b]);
    expect(search.steps[1].clientBusy).toBeCloseTo(0.95, 6);
    expect(search.limit?.clientLimited).toBe(true);
    expect(search.verdict).toMatch(/^sustained 500 msg\/s; client-limited: add --workers or pods/);
  });

  it('refuses a step that lacks a shard (never judged as passed), and mixed run ids', () => {
    const a = doc(0, [[0, shardStep(250)], [1, shardStep(500)]]);
    const b = doc(1, [[1, shardStep(500)]], { skipped: [0] });
    expect(() => judgeBursts([a, b])).toThrow(/^report: step 1 \(500 msg\/s\) is missing shard 1 of 2: it cannot be judged/);
    expect(() => judgeBursts([a])).toThrow(/is missing shard 1 of 2/);
    expect(() => judgeBursts([a, doc(1, [[0, shardStep(250)]], { runId: 'r2' })])).toThrow(/^report: the burst documents belong to 2 runs \(r1, r2\)/);
    expect(() => judgeBursts([a, doc(1, [[0, shardStep(250)]], { options: { ...O, sloP99Ms: 10 } })])).toThrow(/ran other burst settings/);
    expect(() => judgeBursts([a, doc(0, [[0, shardStep(250)]])])).toThrow(/shard 0 of run r1 appears twice/);
  });

  it('a step missing a shard after the first failure is left out with a warning: the verdict stands without it', () => {
    const a = doc(0, [[0, shardStep(250)], [1, shardStep(300)], [2, shardStep(1000)]]);
    const b = doc(1, [[0, shardStep(250)], [1, shardStep(300)]], { skipped: [2, 3], stopped: 'step 2 failed' });
    const { search, warnings } = judgeBursts([a, b]);
    expect(search.steps).toHaveLength(2);
    expect(search.sustainedMsgPerSec).toBe(500);
    expect(warnings).toEqual(['step 3 (2000 msg/s) is missing shard 1 of 2; it comes after the first failing step, so the verdict stands without it']);
  });

  it('reads burst documents from result lines as well as whole files, and still reads @1 (shown as judged, never merged)', () => {
    const a = doc(0, [[0, shardStep(250)]]);
    const c = new ResultCollector();
    c.add(`noise\n${resultChunks(a, JSON.stringify(a)).join('\n')}\n`, 'pod-0.log');
    expect(c.bursts().map((x) => x.burst)).toEqual([a]);
    expect(c.results()).toEqual([]);
    const v1 = { kind: 'burst', schema: 'sqs-blast/burst@1', search: { sustainedMsgPerSec: 700, steps: [], limit: null, verdict: 'sustained 700 msg/s; …' } };
    const c1 = new ResultCollector();
    c1.add(JSON.stringify(v1), 'old.json');
    const [old] = c1.bursts().map((x) => x.burst);
    expect(judgeBursts([old]).search.sustainedMsgPerSec).toBe(700);
    expect(() => judgeBursts([old, old])).toThrow(/burst@1, which hold judged steps only and cannot be merged/);
  });
});
