/**
 * Durable results: send and drain processes write their results to S3 (the real fauxqs S3 on the
 * suite's server, through the real SDK), and `report s3://…` merges them exactly. The same
 * processes' logs, carried as CRI files or cut at 16 KiB, give the same report or are refused.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resultLine, type Result } from '../src/result/document.js';
import { parseResults } from '../src/result/lines.js';
import { readStoredResults } from '../src/report/s3.js';
import { s3Connection } from '../src/config/s3-location.js';
import { endpoint, runCli, s3Client, sdk, uniquePrefix, type CliRun } from './helpers.js';

const TOTAL = 100_000;
const KIB16 = 16 * 1024;

const s3 = s3Client;

/**
 * The result objects under a prefix, less the writers' probe (test/s3-probe.int.test.ts checks
 * that one) and the ledger's markers of send attempts (test/ledger.test.ts).
 */
async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const r = await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (r.Contents ?? [])
    .map((o) => o.Key!)
    .filter((k) => !k.endsWith('/.sqs-blast-probe.json') && !/\/(shards-done|sends-started)\//.test(k))
    .sort();
}

/** What two merges of the same results must agree on. */
function facts(r: Record<string, any>) {
  const { parts, sent, failed, attempted, notSent, received, distinct, duplicates, missing, missingExact, integrity, latency, e2eLatency, histograms } = r;
  return { parts, sent, failed, attempted, notSent, received, distinct, duplicates, missing, missingExact, integrity, latency, e2eLatency, histograms };
}

/** Lines as containerd's CRI log files hold them: lines over 16 KiB as P records and an F. */
function criLog(lines: string[]): string {
  const out: string[] = [];
  for (const line of lines) {
    for (let at = 0; ; at += KIB16) {
      const last = at + KIB16 >= line.length;
      out.push(`2026-11-27T04:13:00.000000000Z stdout ${last ? 'F' : 'P'} ${line.slice(at, at + KIB16)}`);
      if (last) break;
    }
  }
  return out.join('\n');
}

describe('results in S3', () => {
  const bucket = uniquePrefix('results').toLowerCase();
  const runId = `s3run${Date.now().toString(36)}`;
  const out = `s3://${bucket}/runs/`;
  let sends: CliRun[] = [];
  let drains: CliRun[] = [];

  beforeAll(async () => {
    await s3().send(new CreateBucketCommand({ Bucket: bucket }));
    const env = { AWS_ENDPOINT_URL_SQS: endpoint(), SQS_BLAST_QUEUE_PREFIX: uniquePrefix('s3q'), SQS_BLAST_QUEUES: '2', SQS_BLAST_RUN_ID: runId, SQS_BLAST_SHARDS: '2' };
    sends = await Promise.all(
      [0, 1].map((i) => runCli(['send', '--create-queues', '--shard', String(i), '--total', String(TOTAL), '--message-size', '256', '--out', out, '--quiet'], { env })),
    );
    // Separate processes, after the senders: the results meet only in S3. Small receives
    // interleave the two drains finely, as pods of a long run do: their bitmaps barely compress,
    // so a drain result's old one-line form is over 16 KiB (~27 KB) and spans several chunks.
    drains = await Promise.all(
      [0, 1].map((i) => runCli(['drain', '--shard', String(i), '--wait-time', '1', '--idle-timeout', '3', '--concurrency', '2', '--max-messages', '3', '--out', out, '--quiet'], { env })),
    );
  });

  it('one object per process, named by run id, command and shard; report s3:// merges them exactly', async () => {
    for (const r of [...sends, ...drains]) expect(r.code, r.stderr).toBe(0);
    expect(sends[1].stdout).toMatch(new RegExp(`^stored {5}s3://${bucket}/runs/${runId}/send-0001-of-0002-\\d+-[a-z0-9-]+\\.json$`, 'm'));
    const keys = await keysUnder(bucket, 'runs/');
    expect(keys).toHaveLength(4);
    expect(keys.map((k) => k.replace(/(-of-\d+)-\d{13}-[a-z0-9-]+\.json$/, '$1'))).toEqual(
      ['drain-0000-of-0002', 'drain-0001-of-0002', 'send-0000-of-0002', 'send-0001-of-0002'].map((k) => `runs/${runId}/${k}`),
    );

    const report = await runCli(['report', out, '--json', '--threshold', 'missing==0'], { env: { AWS_ENDPOINT_URL_S3: endpoint() } });
    expect(report.code, report.stderr).toBe(0);
    const merged = JSON.parse(report.stdout);
    expect(merged).toMatchObject({ kind: 'report', runId, parts: 4, planned: TOTAL, sent: TOTAL, failed: 0, notSent: 0, received: TOTAL, distinct: TOTAL, missing: 0, duplicates: 0 });
    expect(merged.coverage).toMatchObject({ complete: true, warnings: [] });
    expect(report.stderr).toContain('PASS  exit 0');

    // The SQS endpoint alone leads to the same S3 (fauxqs serves both on one port).
    const viaEndpoint = await runCli(['report', out, '--endpoint', endpoint(), '--json']);
    expect(viaEndpoint.code, viaEndpoint.stderr).toBe(0);
    expect(facts(JSON.parse(viaEndpoint.stdout))).toEqual(facts(merged));
  });

  it('lists every page, and --run-id keeps one run', async () => {
    const conn = s3Connection(endpoint(), 'us-east-1', {});
    const paged = await readStoredResults(out, conn, undefined, 1);
    expect(paged.map((o) => o.source).sort()).toEqual((await keysUnder(bucket, 'runs/')).map((k) => `s3://${bucket}/${k}`));
    const other = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', uniquePrefix('s3other'), '--create-queues', '--total', '10', '--run-id', 'otherrun', '--out', out]);
    expect(other.code, other.stderr).toBe(0);
    const one = await runCli(['report', out, '--run-id', runId, '--endpoint', endpoint(), '--json']);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ parts: 4, runId, sent: TOTAL });
    const all = await runCli(['report', out, '--endpoint', endpoint(), '--json']);
    expect(JSON.parse(all.stdout)).toMatchObject({ parts: 5, runIds: [runId, 'otherrun'].sort(), sent: TOTAL + 10 });
  });

  it('the same processes’ logs, as CRI files or cut at 16 KiB, give the same report; mixed with S3 they count once', async () => {
    const fromS3 = JSON.parse((await runCli(['report', out, '--run-id', runId, '--endpoint', endpoint(), '--json'])).stdout);
    // A drain result of ~50,000 messages spans more than one chunk: the test would prove nothing with one.
    expect(drains.some((d) => d.stdout.match(/^SQS_BLAST_RESULT_CHUNK .* 2\/\d+ /m))).toBe(true);

    // The drains' results also in the old one-line form, which is over 16 KiB: containerd splits it.
    const legacy = drains.map((d) => resultLine(parseResults(d.stdout, 'drain')[0] as Result));
    for (const l of legacy) expect(l.length).toBeGreaterThan(KIB16);
    const cri = await runCli(['report', '-', '--json'], { input: criLog([...sends.flatMap((r) => r.stdout.split('\n')), ...legacy]) });
    expect(cri.code, cri.stderr).toBe(0);
    expect(facts(JSON.parse(cri.stdout))).toEqual(facts(fromS3));

    const cut = [...sends, ...drains].flatMap((r) => r.stdout.split('\n')).map((l) => l.slice(0, KIB16)).join('\n');
    const shipped = await runCli(['report', '-', '--json'], { input: cut });
    expect(shipped.code, shipped.stderr).toBe(0);
    expect(facts(JSON.parse(shipped.stdout))).toEqual(facts(fromS3));

    const mixed = await runCli(['report', out, '-', '--run-id', runId, '--endpoint', endpoint(), '--json'], { input: criLog(drains.flatMap((r) => r.stdout.split('\n'))) });
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(mixed.stderr).toContain('sqs-blast: 2 results found more than once');
    expect(facts(JSON.parse(mixed.stdout))).toEqual(facts(fromS3));
  });

  it('refuses a drain log with a lost chunk, naming the shard', async () => {
    const drain = drains.find((d) => /^SQS_BLAST_RESULT_CHUNK .* 2\/\d+ /m.test(d.stdout))!;
    const lost = drain.stdout.split('\n').filter((l) => !/^SQS_BLAST_RESULT_CHUNK .* 2\/\d+ /.test(l)).join('\n');
    const report = await runCli(['report', '-'], { input: [...sends.map((s) => s.stdout), lost].join('\n') });
    expect(report.code).toBe(2);
    expect(report.stderr).toMatch(new RegExp(`^sqs-blast: stdin: the drain result of run ${runId} shard [01] \\(attempt \\w+\\) lacks chunk 2 of \\d+; collect the whole log`));
    expect(report.stderr.trim().split('\n')).toHaveLength(1);
    expect(report.stdout).toBe('');
  });

  it('a merge without one send result warns, names the shard and fails missing==0', async () => {
    const keys = await keysUnder(bucket, `runs/${runId}/send-0001`);
    await s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: keys[0] }));
    const report = await runCli(['report', out, '--run-id', runId, '--endpoint', endpoint(), '--threshold', 'missing==0']);
    expect(report.code).toBe(99);
    expect(report.stderr).toContain(`sqs-blast: warning: run ${runId}: no send result for shard 1 of 2`);
    expect(report.stdout).toMatch(/^missing==0 +0 \(not judged: send results lacking\) +FAIL$/m);
    expect(report.stdout).not.toContain('PASS');
  });

  it('refuses a cut object rather than merging without it', async () => {
    const [key] = await keysUnder(bucket, `runs/${runId}/drain-0000`);
    const whole = await (await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: whole.slice(0, 5000) }));
    const report = await runCli(['report', out, '--run-id', runId, '--endpoint', endpoint()]);
    expect(report.code).toBe(2);
    expect(report.stderr).toBe(`sqs-blast: report: s3://${bucket}/${key} is not a whole sqs-blast result (cut or corrupt); remove it or store the run again\n`);
  });

  it('a bucket that does not exist is exit 2 before anything is sent', async () => {
    const prefix = uniquePrefix('s3bad');
    const run = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--total', '100', '--out', 's3://no-such-bucket-here/x/']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`sqs-blast: --out s3://no-such-bucket-here/x/: bucket "no-such-bucket-here" does not exist at ${endpoint()}; create it (aws s3 mb s3://no-such-bucket-here) or fix the name\n`);
    // Not even the queue was created: the check ran before the run's setup.
    await expect(sdk().send(new GetQueueUrlCommand({ QueueName: `${prefix}-1` }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  });

  it('--local needs an S3 that outlives the run', async () => {
    const run = await runCli(['run', '--local', '--total', '10', '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^sqs-blast: --out s3:\/\/\S+ with --local: the embedded server's S3 stops with the run; set AWS_ENDPOINT_URL_S3/);
  });

  it('an upload that fails after the run keeps the result lines as the fallback and exits 1, not 0', async () => {
    const gone = uniquePrefix('gone').toLowerCase();
    await s3().send(new CreateBucketCommand({ Bucket: gone }));
    let deleted = false;
    const prefix = uniquePrefix('s3gone');
    const run = await runCli(
      ['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--total', '400', '--rate', '200', '--message-size', '256', '--out', `s3://${gone}/r/`, '--progress-interval', '0.2'],
      {
        // The bucket answered the check before the run; it is gone when the result is stored.
        onStderr: (chunk) => {
          if (!deleted && /sent [1-9]/.test(chunk)) {
            deleted = true;
            // Emptied first (S3 deletes only empty buckets): the probe written before the run.
            void s3()
              .send(new DeleteObjectCommand({ Bucket: gone, Key: 'r/.sqs-blast-probe.json' }))
              .then(() => s3().send(new DeleteBucketCommand({ Bucket: gone })));
          }
        },
      },
    );
    expect(deleted).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^sqs-blast: --out s3://${gone}/r/: bucket "${gone}" does not exist at \\S+; create it .*; the result was not stored, keep the result lines on stdout`, 'm'));
    expect(run.stdout).toContain('FAIL  exit 1: result not stored in S3');
    const fromLog = await runCli(['report', '-', '--json'], { input: run.stdout });
    expect(JSON.parse(fromLog.stdout)).toMatchObject({ sent: 400, failed: 0 });
  });
});
