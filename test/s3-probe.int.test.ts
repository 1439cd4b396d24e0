/**
 * --out s3:// is proven writable before anything is sent, by the call the result will make: a
 * PutObject under the prefix (not HeadBucket, which needs s3:ListBucket and proves nothing about
 * writing). A location that refuses it, has no bucket, or has no credentials is one line, exit 2,
 * with no queue created and no message sent; the probe it leaves is never read as a result.
 */
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallRecorder } from './k8s.sim.js';
import { endpoint, runCli, s3Client, sdk, uniquePrefix } from './helpers.js';
import { refusePutObject } from './s3-refuse.js';

async function keys(bucket: string): Promise<string[]> {
  return ((await s3Client().send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();
}

const queueMissing = async (prefix: string) =>
  expect(sdk().send(new GetQueueUrlCommand({ QueueName: `${prefix}-1` }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });

describe('--out s3:// is proven writable before the run', () => {
  const bucket = uniquePrefix('probe').toLowerCase();
  const out = `s3://${bucket}/runs/`;
  const refusing = new CallRecorder(endpoint(), refusePutObject);
  beforeAll(async () => {
    await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
    await refusing.start();
  });
  afterAll(async () => refusing.stop());

  it('a location that refuses PutObject is refused before anything is sent, naming the grant', async () => {
    const prefix = uniquePrefix('probedeny');
    const run = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--total', '100', '--out', out], {
      env: { AWS_ENDPOINT_URL_S3: refusing.endpoint },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `sqs-blast: --out ${out}: S3 at ${refusing.endpoint} refused storing objects in ${out} (HTTP 403 AccessDenied); grant s3:PutObject on arn:aws:s3:::${bucket}/runs/* (k8s/iam/results-write-policy.json), or fix the location\n`,
    );
    expect(run.stdout).toBe('');
    await queueMissing(prefix);
    // The one call was the probe's write: no HeadBucket (writers need no s3:ListBucket).
    expect([...refusing.calls]).toEqual([`PUT /${bucket}/runs/.sqs-blast-probe.json`]);
    expect(await keys(bucket)).toEqual([]);
  });

  it('no credentials for S3 is one line before anything is sent (no network touched)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'sqs-blast-home-'));
    const prefix = uniquePrefix('probecreds');
    const run = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--create-queues', '--total', '100', '--out', out], {
      env: {
        // Not loopback, so no dummy keys; .invalid never resolves, should a request go out at all.
        AWS_ENDPOINT_URL_S3: 'http://s3.invalid',
        HOME: home,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: join(home, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
      },
    });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(new RegExp(`^sqs-blast: --out ${out}: no AWS credentials for S3 \\(.*\\); set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`)),
    ]);
    await queueMissing(prefix);
  });

  it('a writable location takes the run; its probe stays beside the run folders and report never reads it', async () => {
    const runId = `probe${Date.now().toString(36)}`;
    const run = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', uniquePrefix('probeok'), '--create-queues', '--total', '50', '--run-id', runId, '--out', out, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    // The ledger's markers (a fixed --run-id with --out s3://) are test/ledger.test.ts's business.
    const stored = (await keys(bucket)).filter((k) => !/\/(shards-done|sends-started)\//.test(k));
    // The result's own name is config/s3-location.ts's business (resultKey); only its run folder is checked here.
    expect(stored).toEqual(['runs/.sqs-blast-probe.json', expect.stringMatching(new RegExp(`^runs/${runId}/[^/]+\\.json$`))]);
    const report = await runCli(['report', out, '--endpoint', endpoint(), '--json']);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ parts: 1, runId, sent: 50 });
  });
});
