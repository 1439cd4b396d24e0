import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { planDrain } from '../src/consumers.js';
import { createSharedState } from '../src/metrics/live.js';
import { planSend, spread } from '../src/producers.js';

const urls = (n: number, fifo = false) => Array.from({ length: n }, (_, i) => `http://127.0.0.1:1/000000000000/q-${i + 1}${fifo ? '.fifo' : ''}`);

describe('how work is split over threads', () => {
  it('spreads n over k slots, first slots taking the remainder, adding up exactly', () => {
    expect(spread(64, 3)).toEqual([22, 21, 21]);
    expect(spread(5, 5)).toEqual([1, 1, 1, 1, 1]);
    for (const [n, k] of [[1, 1], [7, 3], [100, 7], [1000, 64]]) expect(spread(n, k).reduce((a, b) => a + b, 0)).toBe(n);
  });

  it('gives send workers their lanes and a shard identity with the slice and run total', () => {
    const c = resolveConfig('send', { endpoint: 'http://127.0.0.1:1', total: 1000, shards: 4, shard: 1, concurrency: 10, workers: 3, runId: 'r1' }, {});
    const tasks = planSend(c, urls(2), createSharedState(3), 0, 0);
    expect(tasks.map((t) => t.lanes)).toEqual([4, 3, 3]);
    expect(tasks.map((t) => t.row)).toEqual([0, 1, 2]);
    expect(tasks[0].identity).toEqual({ runId: 'r1', shard: 1, shards: 4, of: 250, total: 1000 });
    expect(tasks[0].fifo).toBeUndefined();
  });

  it('FIFO: every group belongs to exactly one lane', () => {
    const c = resolveConfig('send', { endpoint: 'http://127.0.0.1:1', fifo: true, concurrency: 8, groups: 20, workers: 3 }, {});
    const tasks = planSend(c, urls(2, true), createSharedState(3), 0, 0);
    const owners = new Map<number, number>();
    let lane = 0;
    for (const t of tasks) {
      for (let i = 0; i < t.lanes; i++, lane++) {
        for (let g = t.fifo!.firstLane + i; g < t.fifo!.groups; g += t.fifo!.totalLanes) {
          expect(owners.has(g)).toBe(false);
          owners.set(g, lane);
        }
      }
    }
    expect([...owners.keys()].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    expect(lane).toBe(8);
  });

  it('FIFO caps lanes at the number of groups, and --groups needs FIFO', () => {
    const c = resolveConfig('send', { endpoint: 'http://127.0.0.1:1', fifo: true, concurrency: 64, groups: 4 }, {});
    expect(c.send!.concurrency).toBe(4);
    expect(() => resolveConfig('send', { endpoint: 'http://127.0.0.1:1', groups: 4 }, {})).toThrow(/--groups is for FIFO queues/);
  });

  it('spreads drain pollers so every worker polls every queue it can', () => {
    const c = resolveConfig('drain', { endpoint: 'http://127.0.0.1:1', concurrency: 3, workers: 2 }, {});
    const tasks = planDrain(c, urls(4), createSharedState(2), 0, 5);
    expect(tasks.map((t) => t.row)).toEqual([5, 6]);
    expect(tasks.flatMap((t) => t.pollers).length).toBe(12);
    for (const t of tasks) expect(new Set(t.pollers)).toEqual(new Set([0, 1, 2, 3]));
  });
});
