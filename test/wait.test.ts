/** Waiting for a paced batch's moment: never earlier than the schedule allows, on timers alone. */
import { describe, expect, it } from 'vitest';
import { monoNow } from '../src/load/clock.js';
import { EARLY_OK_MS, waitNear, waitUntil } from '../src/load/wait.js';

describe('waiting for a batch’s intended start', () => {
  it('waitNear resolves no earlier than EARLY_OK_MS before the moment, whatever the distance', async () => {
    const never = new AbortController().signal;
    for (const ahead of [0.1, 0.4, 0.6, 0.9, 1.2, 1.7, 2.5, 3.3, 7.9, 12.5]) {
      const due = monoNow() + ahead;
      await waitNear(due, never);
      expect(monoNow(), `${ahead} ms ahead`).toBeGreaterThanOrEqual(due - EARLY_OK_MS);
    }
  });

  it('waitUntil resolves at or after the moment (the schedule’s t=0: nothing may start before it)', async () => {
    const never = new AbortController().signal;
    for (const ahead of [0.2, 0.9, 1.6, 3.1, 6.4]) {
      const due = monoNow() + ahead;
      await waitUntil(due, never);
      expect(monoNow()).toBeGreaterThanOrEqual(due);
    }
  });

  it('an abort ends either wait at once', async () => {
    const stop = new AbortController();
    const from = monoNow();
    setTimeout(() => stop.abort(), 20);
    await Promise.all([waitNear(from + 10_000, stop.signal), waitUntil(from + 10_000, stop.signal)]);
    expect(monoNow() - from).toBeLessThan(5_000);
  });
});
