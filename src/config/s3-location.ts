/**
 * Where results live in S3, without loading the SDK (config validation runs on every start):
 * the s3:// URL, the object names, and which endpoint and keys reach it. With the config, as
 * config.ts checks --out s3:// with it; report/s3.ts (the store) and ledger/ build on it.
 *
 * Layout: `s3://BUCKET/PREFIX/<runId>/<kind>-<shard>-of-<shards>-<startedAt>-<host>-<nonce>.json`,
 * one object per process. shard and shards are zero-padded to the same width so keys sort by
 * shard; startedAt (epoch ms), the host (a pod's name) and a per-process random nonce make every
 * process's key its own, so a retried Job index never overwrites the first attempt: both are real
 * results (the merge shows the re-sent slice as duplicates). `report` writes `report-…` objects,
 * which listing skips, so a stored report is never merged into the next one.
 */
import { hostname } from 'node:os';
import { credentialsNamed, isLoopbackHost, validateEndpoint } from '../endpoint.js';
import { UsageError } from '../errors.js';

export interface S3Location {
  bucket: string;
  /** '' or ending in '/'. */
  prefix: string;
  /** As the user wrote it, for messages. */
  url: string;
}

export interface S3Connection {
  /** Undefined: AWS's regional S3 endpoint. */
  endpoint?: string;
  region: string;
  /** Emulators (fauxqs, LocalStack, MinIO) serve buckets as paths, not as host names. */
  forcePathStyle: boolean;
  staticCredentials?: { accessKeyId: string; secretAccessKey: string };
}

export function isS3Url(value: string | undefined): value is string {
  return value !== undefined && /^s3:\/\//i.test(value);
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseS3Url(raw: string, flag: string): S3Location {
  const rest = raw.replace(/^s3:\/\//i, '');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+/, '');
  if (!BUCKET.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw new UsageError(`${flag} ${raw}: ${JSON.stringify(bucket)} is not an S3 bucket name (3-63 lowercase letters, digits, '.' or '-'); use e.g. s3://my-results/sqs-blast/`);
  }
  return { bucket, prefix: prefix && !prefix.endsWith('/') ? prefix + '/' : prefix, url: raw };
}

/**
 * --out s3:// checks that need no network. With --local the embedded server, and the S3 it
 * emulates, stops when the run ends: the result needs an S3 that outlives the process.
 */
export function checkS3Out(out: string, local: boolean, env: NodeJS.ProcessEnv = process.env): void {
  parseS3Url(out, '--out');
  if (local && !env.AWS_ENDPOINT_URL_S3) {
    throw new UsageError(
      `--out ${out} with --local: the embedded server's S3 stops with the run; set AWS_ENDPOINT_URL_S3 to a lasting S3 (e.g. a 'sqs-blast local' endpoint), or write --out to a file`,
    );
  }
}

function isAwsHost(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return /(^|\.)amazonaws\.com(\.cn)?$/.test(host) || /(^|\.)api\.aws$/.test(host);
}

/**
 * Which S3 to use: AWS_ENDPOINT_URL_S3 (the SDK's own variable, which it would also read itself);
 * else, when the SQS endpoint is not AWS (fauxqs and LocalStack serve S3 on the same port), that
 * endpoint; else AWS. Loopback endpoints get the same dummy keys as SQS does, unless keys or AWS_PROFILE are set.
 */
export function s3Connection(sqsEndpoint: string | undefined, region: string, env: NodeJS.ProcessEnv = process.env): S3Connection {
  let endpoint: string | undefined;
  if (env.AWS_ENDPOINT_URL_S3) endpoint = validateEndpoint(env.AWS_ENDPOINT_URL_S3, 'AWS_ENDPOINT_URL_S3');
  else if (sqsEndpoint && !isAwsHost(sqsEndpoint)) endpoint = sqsEndpoint;
  const custom = endpoint !== undefined && !isAwsHost(endpoint);
  const loopback = endpoint !== undefined && isLoopbackHost(new URL(endpoint).hostname);
  return {
    endpoint,
    region,
    forcePathStyle: custom,
    staticCredentials: loopback && !credentialsNamed(env) ? { accessKeyId: 'sqsblast', secretAccessKey: 'sqsblast' } : undefined,
  };
}

const hostSlug = (h: string) => h.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'host';

export interface KeyParts {
  kind: string;
  runId: string;
  shard: number;
  shards: number;
  startedAt: number;
}

export function resultKey(loc: S3Location, r: KeyParts, nonce: string, host = hostname()): string {
  const width = Math.max(4, String(r.shards).length);
  const pad = (n: number) => String(n).padStart(width, '0');
  return `${loc.prefix}${r.runId}/${r.kind}-${pad(r.shard)}-of-${pad(r.shards)}-${r.startedAt}-${hostSlug(host)}-${nonce}.json`;
}

/** Keys `report` merges: one process's result (send, drain, run) or burst document, not a stored report. */
export const MERGEABLE_KEY = /(^|\/)[^/]+\/(send|drain|run|burst)-\d+-of-\d+-[^/]+\.json$/;

/**
 * The object a writer puts before the run to prove the location takes results (ResultStore.open).
 * One per prefix, beside the run folders rather than in one; its name starts with a dot, so
 * MERGEABLE_KEY, whose last segment starts with a result kind, never takes it for a result.
 */
export function probeKey(loc: S3Location): string {
  return `${loc.prefix}.sqs-blast-probe.json`;
}
