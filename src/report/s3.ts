/**
 * The S3 result store: every send, drain or run process writes its result as one object, and
 * `report s3://…` lists and reads them all. Results outlive the pods and nodes that made them
 * (a consolidated node takes its container logs with it). Loaded only when an s3:// location is
 * used: the SDK costs startup time every other run would pay for nothing.
 */
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand, S3Client, type _Object } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pLimit from 'p-limit';
import { UsageError } from '../errors.js';
import { agentsFor } from '../proxy-agents.js';
import { credentialProvider } from '../sqs/credentials.js';
import { PROCESS_NONCE } from '../result/lines.js';
import { MERGEABLE_KEY, parseS3Url, probeKey, resultKey, type KeyParts, type S3Connection, type S3Location } from '../config/s3-location.js';

/** Objects fetched at once by `report`. */
const READ_CONCURRENCY = 8;

function createClient(conn: S3Connection): S3Client {
  return new S3Client({
    region: conn.region,
    endpoint: conn.endpoint,
    forcePathStyle: conn.forcePathStyle,
    credentials: credentialProvider(conn),
    // The SDK's own retries (throttling, 5xx, dropped connections) with backoff.
    maxAttempts: 4,
    // A bucket in another region answers with a redirect; follow it rather than fail.
    followRegionRedirects: true,
    // HTTPS_PROXY / HTTP_PROXY / NO_PROXY as for SQS, decided for the regional S3 host (a bucket's
    // virtual-hosted name is under it, so a NO_PROXY suffix that exempts one exempts the other).
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000, ...agentsFor(endpointShown(conn)) }),
  });
}

function endpointShown(conn: S3Connection): string {
  return conn.endpoint ?? `https://s3.${conn.region}.amazonaws.com`;
}

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * One line naming the flag, what went wrong, and the fix. `access` is what the caller was doing:
 * writers (send, drain, run, burst, report --out) only put objects; `report s3://` lists and reads.
 */
export function s3Problem(e: unknown, loc: S3Location, conn: S3Connection, flag: string, access: 'write' | 'read'): string {
  const err = e as AwsLikeError;
  const status = err.$metadata?.httpStatusCode;
  const at = endpointShown(conn);
  const head = `${flag} ${loc.url}`;
  if (err.name === 'CredentialsProviderError') {
    return `${head}: no AWS credentials for S3 (${err.message}); set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (in a pod: IRSA or EKS Pod Identity)`;
  }
  if (status === 404 || err.name === 'NotFound' || err.name === 'NoSuchBucket') {
    return `${head}: bucket ${JSON.stringify(loc.bucket)} does not exist at ${at}; create it (aws s3 mb s3://${loc.bucket}) or fix the name`;
  }
  if (status === 403 || err.name === 'AccessDenied' || err.name === 'Forbidden') {
    const grant =
      access === 'write'
        ? `grant s3:PutObject on arn:aws:s3:::${loc.bucket}/${loc.prefix}* (k8s/iam/results-write-policy.json)`
        : `grant s3:ListBucket on arn:aws:s3:::${loc.bucket} and s3:GetObject on arn:aws:s3:::${loc.bucket}/${loc.prefix}* (k8s/iam/results-read-policy.json)`;
    const what = access === 'write' ? 'storing objects in' : 'reading';
    return `${head}: S3 at ${at} refused ${what} ${loc.url} (HTTP 403 ${err.name ?? 'AccessDenied'}); ${grant}, or fix the location`;
  }
  if (status === undefined) {
    const why = err.code ?? err.name ?? 'no answer';
    return `${head}: cannot reach S3 at ${at} (${why}); set AWS_ENDPOINT_URL_S3 (or --endpoint for a local emulator) or check the network`;
  }
  return `${head}: S3 at ${at} answered ${err.name ?? 'an error'} (HTTP ${status}): ${err.message ?? ''}`.trim();
}

export class ResultStore {
  private constructor(
    readonly location: S3Location,
    private readonly conn: S3Connection,
    private readonly client: S3Client,
  ) {}

  /**
   * Open the store and prove it can be written before anything is sent: a typo or a missing
   * grant found after a one-hour soak would cost the hour's durable result. The proof is the
   * call the result itself will make, a PutObject under the prefix (same content type, so a
   * bucket policy on it judges the probe as it will the result): a bucket that merely exists, or
   * answers HeadBucket (which needs s3:ListBucket, a right writers otherwise lack), proves
   * nothing about that. The probe stays: one small object per prefix, rewritten by every writer,
   * as deleting it would need s3:DeleteObject; `report` never reads it (see probeKey).
   */
  static async open(url: string, conn: S3Connection, flag = '--out'): Promise<ResultStore> {
    const loc = parseS3Url(url, flag);
    const client = createClient(conn);
    const store = new ResultStore(loc, conn, client);
    try {
      await store.write(probeKey(loc), JSON.stringify({ sqsBlast: 'probe', note: 'written before each run to prove this location takes results; safe to delete' }));
    } catch (e) {
      client.destroy();
      throw new UsageError(s3Problem(e, loc, conn, flag, 'write'));
    }
    return store;
  }

  /**
   * Open the store to read it only (report --wait polling the ledger): no probe, since a reader
   * may hold s3:ListBucket and s3:GetObject without s3:PutObject. The first listing proves access.
   */
  static reader(url: string, conn: S3Connection, flag = 'report'): ResultStore {
    return new ResultStore(parseS3Url(url, flag), conn, createClient(conn));
  }

  /** list(), with an S3 failure as one line naming `flag` (for readers polling the ledger). */
  async listOrExplain(under: string, flag: string): Promise<Array<{ key: string; modified: number }>> {
    try {
      return await this.list(under);
    } catch (e) {
      throw new UsageError(s3Problem(e, this.location, this.conn, flag, 'read'));
    }
  }

  private async write(key: string, json: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: key, Body: json, ContentType: 'application/json' }));
  }

  /** Store one result (or burst document); returns its s3:// URL. Throws a one-line message when S3 keeps failing. */
  async put(result: KeyParts, json: string): Promise<string> {
    const key = resultKey(this.location, result, PROCESS_NONCE);
    try {
      await this.write(key, json);
    } catch (e) {
      throw new Error(s3Problem(e, this.location, this.conn, '--out', 'write'));
    }
    return `s3://${this.location.bucket}/${key}`;
  }

  /** Objects under `<prefix><under>` (every page), keys relative to the location's prefix. */
  async list(under: string): Promise<Array<{ key: string; modified: number }>> {
    return listObjects(this.client, this.location, under);
  }

  /** One object's text, by its key relative to the location's prefix. */
  async get(key: string): Promise<string> {
    const r = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.location.prefix + key }));
    return (await r.Body?.transformToString('utf8')) ?? '';
  }

  /** A small object (a ledger marker), by its key relative to the location's prefix. */
  async putText(key: string, body: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: this.location.prefix + key, Body: body, ContentType: 'application/json' }));
  }

  close(): void {
    this.client.destroy();
  }
}

async function listObjects(client: S3Client, loc: S3Location, under: string, pageSize = 1000): Promise<Array<{ key: string; modified: number }>> {
  const out: Array<{ key: string; modified: number }> = [];
  for await (const page of paginateListObjectsV2({ client, pageSize }, { Bucket: loc.bucket, Prefix: loc.prefix + under })) {
    for (const o of (page.Contents ?? []) as _Object[]) if (o.Key) out.push({ key: o.Key.slice(loc.prefix.length), modified: o.LastModified?.getTime() ?? 0 });
  }
  return out;
}

export interface StoredResult {
  /** s3://bucket/key, for messages. */
  source: string;
  text: string;
}

/**
 * Every process result under the location (all pages of the listing), optionally only those of
 * one run (`<prefix><runId>/`). Stored reports (report-…) are skipped.
 */
export async function readStoredResults(url: string, conn: S3Connection, runId?: string, pageSize = 1000): Promise<StoredResult[]> {
  const loc = parseS3Url(url, 'report');
  const client = createClient(conn);
  try {
    const keys: string[] = [];
    const prefix = loc.prefix + (runId ? `${runId}/` : '');
    for await (const page of paginateListObjectsV2({ client, pageSize }, { Bucket: loc.bucket, Prefix: prefix })) {
      for (const o of page.Contents ?? []) if (o.Key && MERGEABLE_KEY.test(o.Key)) keys.push(o.Key);
    }
    const limit = pLimit(READ_CONCURRENCY);
    return await Promise.all(
      keys.map((Key) =>
        limit(async () => {
          const r = await client.send(new GetObjectCommand({ Bucket: loc.bucket, Key }));
          return { source: `s3://${loc.bucket}/${Key}`, text: (await r.Body?.transformToString('utf8')) ?? '' };
        }),
      ),
    );
  } catch (e) {
    throw new UsageError(s3Problem(e, loc, conn, 'report', 'read'));
  } finally {
    client.destroy();
  }
}
