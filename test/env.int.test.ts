/**
 * Every command reads SQS_BLAST_<FLAG> for its flags, as the README promises (pods are configured
 * that way): not only send/drain/run but queues, report, compare and local too.
 */
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envArgs } from '../src/cli/commands.js';
import { resolveBurst } from '../src/burst/command.js';
import { endpoint, runCli, sdk, uniquePrefix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-env-'));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('SQS_BLAST_* for every command', () => {
  it('queues create takes its queue count, prefix and DLQ from the environment', async () => {
    const prefix = uniquePrefix('envq');
    const r = await runCli(['queues', 'create'], { env: { AWS_ENDPOINT_URL_SQS: endpoint(), SQS_BLAST_QUEUES: '3', SQS_BLAST_QUEUE_PREFIX: prefix, SQS_BLAST_DLQ: 'true', SQS_BLAST_TOTAL: '5' } });
    expect(r.code, r.stderr).toBe(0);
    const urls = (await sdk().send(new ListQueuesCommand({ QueueNamePrefix: prefix }))).QueueUrls ?? [];
    expect(urls.map((u) => u.split('/').pop()).sort()).toEqual([1, 2, 3].flatMap((i) => [`${prefix}-${i}`, `${prefix}-${i}-dlq`]).sort());
  });

  it('report and compare take thresholds from SQS_BLAST_THRESHOLD; local its port from SQS_BLAST_PORT', async () => {
    const out = join(tmp, 'send.json');
    const sent = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', uniquePrefix('envr'), '--create-queues', '--total', '200', '--out', out, '--quiet']);
    expect(sent.code, sent.stderr).toBe(0);
    const report = await runCli(['report', out], { env: { SQS_BLAST_THRESHOLD: 'p99<0.001ms' } });
    expect(report.code).toBe(99);
    const compare = await runCli(['compare', out, out], { env: { SQS_BLAST_THRESHOLD: 'p99<+5%', SQS_BLAST_JSON: 'true' } });
    expect(compare.code, compare.stderr).toBe(0);
    expect(JSON.parse(compare.stdout).thresholds).toHaveLength(1);

    const port = await freePort();
    const local = await runCli(['local'], {
      env: { SQS_BLAST_PORT: String(port) },
      timeoutMs: 20_000,
      // Stop it as soon as it says where it listens.
      onSpawn: (child) => child.stdout!.on('data', (c) => String(c).includes('SQS endpoint') && child.kill('SIGINT')),
    });
    expect(local.code).toBe(0);
    expect(local.stdout).toContain(`127.0.0.1:${port}`);
  });

  it('burst reads SQS_BLAST_DRAIN and the consumers’ flags; run’s --max-backlog stays run’s (a shared ConfigMap)', () => {
    const args = envArgs('burst', {}, { SQS_BLAST_DRAIN: 'true', SQS_BLAST_DRAIN_WORKERS: '2', SQS_BLAST_MAX_BACKLOG: '10' });
    expect(args).toEqual({ drain: true, drainWorkers: 2 });
    expect(resolveBurst(args).drain).toBe(true);
    expect(() => resolveBurst(envArgs('burst', {}, { SQS_BLAST_DRAIN_WORKERS: '2' }))).toThrow(/^--drain-workers shapes the consumers of burst --drain: add --drain/);
  });

  it('refuses a boolean that is neither true nor false, naming the variable', () => {
    expect(() => envArgs('queues', {}, { SQS_BLAST_YES: 'yes please' })).toThrow(/^SQS_BLAST_YES must be true or false \(got "yes please"\)$/);
    expect(envArgs('report', {}, { SQS_BLAST_JSON: '1', SQS_BLAST_TOTAL: '5' })).toEqual({ json: true });
  });
});
