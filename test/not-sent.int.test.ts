/**
 * A producer stopped by SIGTERM (a spot reclaim) mid-run: what it never attempted is "not sent",
 * apart from "missing" (sent and never received). Before, a run stopped after 89,980 of 1,000,000
 * reported "missing 916,020".
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpoint, runCli, uniquePrefix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-notsent-'));

describe('an interrupted producer', () => {
  it('reports its unsent rest as not sent, and report counts missing only over what it attempted', async () => {
    const env = { AWS_ENDPOINT_URL_SQS: endpoint(), SQS_BLAST_QUEUE_PREFIX: uniquePrefix('notsent'), SQS_BLAST_RUN_ID: 'notsent1' };
    const total = 20_000;
    let signalled = false;
    const send = await runCli(
      ['send', '--create-queues', '--total', String(total), '--rate', '2000', '--message-size', '256', '--progress-interval', '0.2', '--out', join(tmp, 'send.json')],
      {
        env,
        onStderr: (chunk, child) => {
          if (!signalled && /sent [1-9],\d{3}/.test(chunk)) {
            signalled = true;
            child.kill('SIGTERM');
          }
        },
      },
    );
    expect(signalled).toBe(true);
    expect(send.code).toBe(143);
    const s = JSON.parse(readFileSync(join(tmp, 'send.json'), 'utf8'));
    expect(s.interrupted).toBe('SIGTERM');
    expect(s.attempted).toBeGreaterThan(1000);
    expect(s.attempted).toBeLessThan(total / 2);
    expect(s.notSent).toBe(total - s.attempted);
    expect(s.integrity).toEqual([expect.objectContaining({ of: total, attempted: s.attempted, sent: s.sent, failed: s.failed })]);
    expect(send.stdout).toMatch(new RegExp(`^not sent +${(total - s.attempted).toLocaleString('en-US')}$`, 'm'));

    const drain = await runCli(['drain', '--wait-time', '1', '--idle-timeout', '2', '--out', join(tmp, 'drain.json'), '--quiet'], { env });
    expect(drain.code, drain.stderr).toBe(1); // alone, the drain judges by the bodies' shard size: it cannot know
    const d = JSON.parse(readFileSync(join(tmp, 'drain.json'), 'utf8'));
    expect(d.received).toBe(s.sent);

    const report = await runCli(['report', join(tmp, 'send.json'), join(tmp, 'drain.json'), '--json', '--threshold', 'missing==0']);
    const merged = JSON.parse(report.stdout);
    expect(merged).toMatchObject({ sent: s.sent, received: s.sent, distinct: s.sent, missing: 0, missingExact: true, notSent: total - s.attempted, failed: 0 });
    expect(merged.thresholds).toEqual([expect.objectContaining({ expr: 'missing==0', actual: 0, ok: true })]);
    expect(merged.coverage).toMatchObject({ complete: true, interrupted: [{ kind: 'send', runId: 'notsent1', shard: 0, signal: 'SIGTERM' }] });
    // Finished, but not done: exit 1 for the interruption, saying what was not sent, not calling it missing.
    expect(report.code).toBe(1);
    expect(report.stderr).toMatch(new RegExp(`missing 0 · not sent ${(total - s.attempted).toLocaleString('en-US')}`));
    expect(report.stderr).toMatch(/^FAIL  exit 1: 1 part interrupted \([\d,]+ not sent, not counted missing\)$/m);
    expect(report.stderr).not.toMatch(/[1-9][\d,]* missing/);
  });
});
