import { describe, expect, it } from 'vitest';
import { eta, Progress } from '../src/progress.js';

describe('progress', () => {
  it('estimates time left, and says done or unknown', () => {
    expect(eta(1000, 500, 100)).toBe('5s');
    expect(eta(100_000, 0, 1000)).toBe('1m40s');
    expect(eta(10_000_000, 0, 1000)).toBe('2h46m');
    expect(eta(1000, 1000, 0)).toBe('done');
    expect(eta(undefined, 5, 10)).toBe('-');
    expect(eta(1000, 5, 0)).toBe('-');
  });

  it('writes a plain status line every interval when not on a terminal', () => {
    const lines: string[] = [];
    const stream = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const p = new Progress({ tty: false, quiet: false, intervalMs: 5000, sendTotal: 1000, showSend: true, showDrain: true, stream });
    const snap = (elapsedMs: number, sent: number) => ({ elapsedMs, sent, failed: 0, received: sent / 2, errors: 1, throttles: 1, inflight: 3 });
    p.update(snap(1000, 100));
    p.update(snap(5000, 500));
    p.update(snap(6000, 600));
    p.finish(snap(7000, 1000));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('[5s]  sent 500/1,000 (100 msg/s)  failed 0  received 250 (50 msg/s)  errors 1  throttled 1\n');
    expect(lines[1]).toMatch(/^\[7s\]  sent 1,000\/1,000/);
  });

  it('stays silent with --quiet', () => {
    const lines: string[] = [];
    const stream = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const p = new Progress({ tty: false, quiet: true, intervalMs: 1, showSend: true, showDrain: false, stream });
    p.finish({ elapsedMs: 10, sent: 1, failed: 0, received: 0, errors: 0, throttles: 0, inflight: 0 });
    expect(lines).toEqual([]);
  });
});
