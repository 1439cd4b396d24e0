import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumeAll, depth, endpoint, runCli, sdk, uniquePrefix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-send-'));

describe('send against the real local server', () => {
  it('sends 20,000 messages over 4 queues; an independent consumer finds each id exactly once', async () => {
    const prefix = uniquePrefix('send');
    const out = join(tmp, 'r.json');
    const run = await runCli([
      'send', '--endpoint', endpoint(), '--queues', '4', '--queue-prefix', prefix, '--create-queues',
      '--total', '20000', '--out', out, '--quiet',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r).toMatchObject({ kind: 'send', sent: 20000, failed: 0, attempted: 20000, schema: 'sqs-blast/result@1' });
    expect(r.latency.p50).toBeGreaterThan(0);
    expect(r.latency.count).toBe(2000); // one sample per batch of 10
    expect(r.throughput.send).toBeGreaterThan(0);
    expect(typeof r.histograms.sendCall).toBe('string');
    // The producer names its shard, so a merge knows what to expect even if no consumer saw any.
    expect(r.integrity).toEqual([expect.objectContaining({ runId: r.runId, shard: 0, shards: 1, of: 20000, total: 20000, sent: 20000, distinct: 0 })]);
    expect(run.stdout).toContain('PASS');

    const client = sdk();
    const urls = r.queues.map((q: { url: string }) => q.url);
    expect(urls).toHaveLength(4);
    const perQueue = await Promise.all(urls.map((u: string) => depth(client, u)));
    expect(perQueue.reduce((a: number, b: number) => a + b, 0)).toBe(20000);
    expect(Math.min(...perQueue)).toBe(5000); // round-robin over queues

    const seen = new Map<string, number>();
    const seqs = new Set<number>();
    await consumeAll(client, urls, (m) => {
      const body = JSON.parse(m.Body!);
      seen.set(body.id, (seen.get(body.id) ?? 0) + 1);
      seqs.add(body.seq);
      expect(Buffer.byteLength(m.Body!)).toBe(10240);
    });
    expect(seen.size).toBe(20000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(Math.max(...seqs)).toBe(19999); // dense seqs 0..19999
    expect(seqs.size).toBe(20000);
  });

  it('thresholds gate the run: p99<1ms exits 99 and marks the row failed; generous ones exit 0', async () => {
    const prefix = uniquePrefix('thr');
    const base = ['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--total', '2000', '--message-size', '1024', '--quiet', '--result-line=false'];
    const strict = await runCli([...base, '--threshold', 'p99<1ms', '--threshold', 'error_rate<1%']);
    expect(strict.code).toBe(99);
    expect(strict.stdout).toMatch(/^p99<1ms\s+[\d.]+ ms\s+FAIL$/m);
    expect(strict.stdout).toMatch(/^error_rate<1%\s+0\.000%\s+pass$/m);
    expect(strict.stdout).toContain('FAIL  exit 99');
    const generous = await runCli([...base, '--threshold', 'p99<60s', '--threshold', 'throughput>=1', '--threshold', 'failed==0']);
    expect(generous.code).toBe(0);
    expect(generous.stdout).not.toMatch(/FAIL/);
  });

  it('honours SQS_BLAST_* environment variables like flags (the pod contract)', async () => {
    const prefix = uniquePrefix('env');
    const run = await runCli(['send', '--json', '--quiet'], {
      env: {
        AWS_ENDPOINT_URL_SQS: endpoint(),
        SQS_BLAST_QUEUES: '2',
        SQS_BLAST_QUEUE_PREFIX: prefix,
        SQS_BLAST_CREATE_QUEUES: 'true',
        SQS_BLAST_TOTAL: '300',
        SQS_BLAST_MESSAGE_SIZE: '1024',
        SQS_BLAST_BATCH_SIZE: '7',
      },
    });
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r).toMatchObject({ sent: 300, failed: 0 });
    expect(r.latency.count).toBe(Math.ceil(300 / 7));
    expect(r.queues.map((q: { url: string }) => q.url.split('/').pop())).toEqual([`${prefix}-1`, `${prefix}-2`]);
  });

  it('paces an open-model run with --rate', async () => {
    const prefix = uniquePrefix('rate');
    const started = Date.now();
    const run = await runCli([
      'send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--total', '600',
      '--rate', '300', '--message-size', '512', '--json', '--quiet',
    ]);
    const wall = (Date.now() - started) / 1000;
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r.sent).toBe(600);
    // 600 messages at 300/s is two seconds of schedule; the last batch is due at ~1.97 s.
    expect(r.durationMs).toBeGreaterThanOrEqual(1900);
    expect(wall).toBeLessThan(15);
    expect(r.throughput.send).toBeLessThan(400);
  });

  it('stops at --duration when no total is given, with every message accounted', async () => {
    const prefix = uniquePrefix('dur');
    const run = await runCli([
      'send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--duration', '1.5',
      '--message-size', '512', '--json', '--quiet',
    ]);
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r.sent).toBeGreaterThan(0);
    expect(r.attempted).toBe(r.sent + r.failed);
    expect(r.integrity).toEqual([expect.objectContaining({ of: -1, total: -1, sent: r.sent })]);
    expect(r.durationMs).toBeLessThan(5000);
    expect(await depth(sdk(), r.queues[0].url)).toBe(r.sent);
  });

  it('SIGTERM mid-run still writes the report, exits 143, and every attempted message is counted', async () => {
    const prefix = uniquePrefix('sigterm');
    const out = join(tmp, 'sigterm.json');
    let signalled = false;
    const run = await runCli(
      ['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--total', '10000000', '--message-size', '1024',
        '--out', out, '--progress-interval', '0.2'],
      {
        onStderr: (chunk, child) => {
          if (!signalled && /sent [1-9]/.test(chunk)) {
            signalled = true;
            child.kill('SIGTERM');
          }
        },
      },
    );
    expect(signalled).toBe(true);
    expect(run.code).toBe(143);
    expect(run.stderr).toContain('SIGTERM: stopping');
    expect(run.stdout).toContain('STOPPED');
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.interrupted).toBe('SIGTERM');
    expect(r.sent).toBeGreaterThan(0);
    expect(r.sent).toBeLessThan(10_000_000);
    expect(r.attempted).toBe(r.sent + r.failed);
    expect(await depth(sdk(), r.queues[0].url)).toBe(r.sent);
  });
});
