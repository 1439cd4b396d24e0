/** run --downstream before any server: what the flag resolves to, and the service watch's hold. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { envArgs } from '../src/config/flags.js';
import { UsageError } from '../src/errors.js';
import { ServiceWatch } from '../src/run/service-watch.js';

const usage = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('run --downstream config', () => {
  it('takes names and URLs (repeatable, or a list in SQS_BLAST_DOWNSTREAM); counts this run only; no backlog cap', () => {
    const args = envArgs('run', {}, { SQS_BLAST_DOWNSTREAM: 'orders-out, https://sqs.eu-west-1.amazonaws.com/123456789012/audit' });
    const c = resolveConfig('run', { ...args, queueUrl: ['https://sqs.eu-west-1.amazonaws.com/123456789012/orders'], runId: 'r1', drainWorkers: 4 }, {});
    expect(c.drain?.downstream).toEqual([{ name: 'orders-out' }, { url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/audit' }]);
    expect(c.drain?.runIdFilter).toBe('r1');
    expect(c.send?.maxBacklog).toBe(0);
    // Two output queues with the default 8 pollers each: no more threads than pollers.
    expect(c.drain?.workers).toBe(4);
    const plain = resolveConfig('run', { runId: 'r1' }, {});
    expect(plain.drain?.downstream).toBeUndefined();
    expect(plain.drain?.runIdFilter).toBeUndefined();
    expect(plain.send?.maxBacklog).toBeGreaterThan(0);
  });

  it('refuses what cannot work, in one line naming the flag', () => {
    expect(usage(() => resolveConfig('run', { local: true, downstream: ['out'] }, {}))).toMatch(/^--downstream drains your service’s output queue.*--local/);
    expect(usage(() => resolveConfig('run', { downstream: ['out'], maxBacklog: 10 }, {}))).toMatch(/^--max-backlog .*--downstream .*--rate/);
    expect(usage(() => resolveConfig('run', { downstream: ['a b/c'] }, {}))).toMatch(/^--downstream "b\/c" is neither a queue name/);
    expect(usage(() => resolveConfig('run', { downstream: ['https://example.com/not-a-queue'] }, {}))).toMatch(/^--downstream .* is not a queue URL/);
    expect(
      usage(() => resolveConfig('run', { queueUrl: ['https://sqs.eu-west-1.amazonaws.com/123456789012/in'], downstream: ['https://sqs.us-east-2.amazonaws.com/123456789012/out'] }, {})),
    ).toMatch(/^--downstream .* is in us-east-2 but the run signs for eu-west-1/);
  });
});

describe('ServiceWatch: the drain waits while the service works', () => {
  const input = 'http://q/000/in';
  const d = (url: string, visible: number, inFlight = 0) => ({ url, visible, inFlight, delayed: 0 });

  it('holds while the input queues hold messages whose count moves, and lets go once it stands still for the idle timeout', () => {
    const w = new ServiceWatch(new Set([input]), 4000);
    expect(w.busy(0)).toBe(false);
    w.sample([d(input, 100), d('http://q/000/out', 50)], 1000);
    expect(w.busy(1000)).toBe(true);
    w.sample([d(input, 40, 10), d('http://q/000/out', 0)], 3000);
    expect(w.busy(6900)).toBe(true);
    // Unchanged since 3000 (the output queue's count does not count): a service that stopped.
    w.sample([d(input, 40, 10), d('http://q/000/out', 7)], 6000);
    expect(w.busy(7000)).toBe(false);
    w.sample([d(input, 0), d('http://q/000/out', 7)], 8000);
    expect(w.busy(8000)).toBe(false);
  });
});
