/**
 * One sink for every finished document (src/report/sink.ts): a load command, `report` of results,
 * `burst`, `report` of bursts and `compare` all store with `--out s3://…`, and all behave the same
 * when the upload fails after the bucket answered the check before the work: one stderr line, the
 * local outputs still written, the result lines printed when the document has them (the copy
 * that remains), and exit 0 become 1 (a threshold's 99 stands). The S3 is fauxqs's, behind a
 * front that lets the pre-work probe through and refuses every later PutObject with 403, as S3
 * refuses a caller without s3:PutObject.
 */
import type http from 'node:http';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHistogram, encode, recordMs } from '../src/metrics/histogram.js';
import { emptyResult, finalize } from '../src/result/document.js';
import { endpoint, runCli, s3Client, uniquePrefix } from './helpers.js';
import { CallRecorder } from './k8s.sim.js';
import { refusePutObject } from './s3-refuse.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-sink-'));
const bucket = uniquePrefix('sink').toLowerCase();

/** Refuses object writes except the probe a writer puts before its work. */
const refuseAfterProbe = (req: http.IncomingMessage, res: http.ServerResponse) => !/\/\.sqs-blast-probe\.json$/.test(req.url?.split('?')[0] ?? '') && refusePutObject(req, res);
const refusing = new CallRecorder(endpoint(), refuseAfterProbe);
const env = () => ({ AWS_ENDPOINT_URL_S3: refusing.endpoint });

/** A send result file: 1,000 messages, batches of 10 taking `ms`. */
function sendFile(name: string, ms: number): string {
  const r = emptyResult('send', `sink-${name}`);
  Object.assign(r, { attempted: 1000, sent: 1000, phases: { send: { startedAt: 0, endedAt: 1000 } } });
  const h = createHistogram();
  for (let i = 0; i < 100; i++) recordMs(h, ms);
  r.histograms.sendCall = encode(h);
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(finalize(r)));
  return file;
}

async function keys(prefix: string): Promise<string[]> {
  const r = await s3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key!).filter((k) => !k.endsWith('/.sqs-blast-probe.json'));
}

/** The one line a failed upload prints, naming the document and the fallback. */
const failedLine = (noun: string, fallback: string) => new RegExp(`^sqs-blast: --out s3://${bucket}/\\w+/: S3 at \\S+ refused storing objects .*; the ${noun} was not stored, keep ${fallback}$`, 'm');

beforeAll(async () => {
  await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
  await refusing.start();
});
afterAll(async () => refusing.stop());

describe('one sink: a failed upload reads and exits the same for every document', () => {
  const base = sendFile('base', 10);
  const slower = sendFile('slower', 30);

  it('compare: the table and the HTML are still written; exit 0 becomes 1, and a failed threshold stays 99', async () => {
    const html = join(tmp, 'compare.html');
    const run = await runCli(['compare', base, slower, '--out', `s3://${bucket}/cmp/`, '--html', html], { env: env() });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(failedLine('comparison', 'the output on stdout'));
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toMatch(/send batch ms p50\s+10\.0\s+30\.0\s/);
    expect(run.stdout).toContain(`stored     NOT: the upload to s3://${bucket}/cmp/ failed (see stderr)`);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('FAIL  exit 1: comparison not stored in S3');
    expect(readFileSync(html, 'utf8')).toContain('sqs-blast compare');

    const gated = await runCli(['compare', base, slower, '--out', `s3://${bucket}/cmp/`, '--threshold', 'p50<+10%'], { env: env() });
    expect(gated.code, gated.stderr).toBe(99);
    expect(gated.stdout).toContain('FAIL  exit 99: 1 of 1 thresholds failed (also comparison not stored in S3)');
  });

  it('report: the result lines are printed as the copy that remains (report - reads them), exit 1', async () => {
    const run = await runCli(['report', base, '--out', `s3://${bucket}/rep/`], { env: env() });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(failedLine('result', 'the result lines on stdout \\(sqs-blast report -\\)'));
    expect(run.stdout).toContain('FAIL  exit 1: result not stored in S3');
    const again = await runCli(['report', '-', '--json'], { input: run.stdout });
    expect(JSON.parse(again.stdout)).toMatchObject({ kind: 'report', sent: 1000, parts: 1 });
  });

  it('burst and report of its document: exit 1 for both, the burst document kept in its result lines', async () => {
    const prefix = uniquePrefix('sinkburst');
    // One step of 1 s at 100 msg/s: the shortest search there is (the step's own run takes ~2 s).
    const burst = await runCli(
      ['burst', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--message-size', '256', '--start-rate', '100', '--ceiling', '100', '--step-duration', '1', '--refine-steps', '0', '--warmup', '0', '--out', `s3://${bucket}/burst/`],
      { env: env(), timeoutMs: 60_000 },
    );
    expect(burst.code, burst.stderr).toBe(1);
    expect(burst.stderr).toMatch(failedLine('burst document', 'the result lines on stdout \\(sqs-blast report -\\)'));
    expect(burst.stdout).toContain('exit 1: burst document not stored in S3');
    expect(burst.stdout).toContain('SQS_BLAST_RESULT_CHUNK');

    const html = join(tmp, 'burst.html');
    const report = await runCli(['report', '-', '--out', `s3://${bucket}/breport/`, '--html', html], { env: env(), input: burst.stdout });
    expect(report.code, report.stderr).toBe(1);
    expect(report.stderr).toMatch(failedLine('burst report', 'the output on stdout'));
    expect(report.stdout).toMatch(/^sqs-blast report: burst run \S+, 1 shard merged step by step$/m);
    expect(report.stdout).toContain('exit 1: burst report not stored in S3');
    expect(existsSync(html)).toBe(true);
  }, 90_000);

  it('stores through the same sink when S3 takes it: compare --out s3:// and --out FILE', async () => {
    const run = await runCli(['compare', base, slower, '--out', `s3://${bucket}/ok/`], { env: { AWS_ENDPOINT_URL_S3: endpoint() } });
    expect(run.code, run.stderr).toBe(0);
    const stored = await keys('ok/');
    expect(stored).toEqual([expect.stringMatching(/^ok\/sink-slower\/compare-0000-of-0001-\d+-.+\.json$/)]);
    expect(run.stdout).toContain(`stored     s3://${bucket}/${stored[0]}`);
    const file = join(tmp, 'cmp-out.json');
    const local = await runCli(['compare', base, slower, '--out', file, '--json']);
    expect(local.code, local.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc).toEqual(JSON.parse(local.stdout));
    expect(doc.figures.find((f: { metric: string }) => f.metric === 'p50')).toMatchObject({ verdict: 'worse' });
  });
});
