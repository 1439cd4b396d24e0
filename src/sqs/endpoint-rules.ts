/**
 * Where SQS requests go, decided once on the main thread by the SQS client's own endpoint code,
 * so the lean hot path sends exactly where the SDK would: the endpoint ruleset (partitions, FIPS
 * with AWS_USE_FIPS_ENDPOINT / use_fips_endpoint, dual-stack with AWS_USE_DUALSTACK_ENDPOINT /
 * use_dualstack_endpoint, China's .amazonaws.com.cn), configured endpoints (AWS_ENDPOINT_URL_SQS,
 * AWS_ENDPOINT_URL, a profile's `services` section, its top-level endpoint_url, in the SDK's
 * order, and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS), and the SQS client's rule that a
 * QueueUrl's own host beats all of those but an explicit endpoint.
 *
 * Rather than copy those rules, this builds an SQSClient and stops its middleware stack at the
 * build step, after endpoint resolution and the QueueUrl rule and before anything is signed or
 * sent: what it captured is the request's URL. The worker threads then get that URL in their
 * task and never load the SDK (see credentials.ts for why).
 */
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Connection } from '../config.js';
import { UsageError } from '../errors.js';
import { proxyFor } from '../proxy-env.js';

const CAPTURED = Symbol('sqs-blast endpoint');
interface Captured {
  [CAPTURED]: string;
}

const quiet = { debug() {}, info() {}, warn() {}, error() {}, trace() {} };

/** The origin the SQS client would send a call to (for `queueUrl`'s queue, when given). */
export async function sdkEndpoint(region: string, queueUrl?: string, explicit?: string): Promise<string> {
  const client = new SQSClient({
    region,
    endpoint: explicit,
    // Never used: the stack stops before signing.
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
    // The QueueUrl rule warns on console when it takes the queue's host; that is the point here.
    logger: quiet,
  });
  client.middlewareStack.add(
    () => async (args) => {
      const r = args.request as { protocol: string; hostname: string; port?: number };
      const port = r.port ? `:${r.port}` : '';
      throw { [CAPTURED]: `${r.protocol}//${r.hostname.includes(':') ? `[${r.hostname}]` : r.hostname}${port}` } satisfies Captured;
    },
    { step: 'build', name: 'sqsBlastCaptureEndpoint', priority: 'low' },
  );
  try {
    if (queueUrl) await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    else await client.send(new GetQueueUrlCommand({ QueueName: 'x' }));
  } catch (e) {
    if (e && typeof e === 'object' && CAPTURED in e) return new URL((e as Captured)[CAPTURED]).origin;
    throw new UsageError(`cannot work out the SQS endpoint for region ${region} (${(e as Error).message?.split('\n')[0]}); set --endpoint or check AWS_ENDPOINT_URL_SQS and the profile's endpoint_url`);
  } finally {
    client.destroy();
  }
  throw new UsageError('cannot work out the SQS endpoint: the SQS client sent nothing; set --endpoint');
}

/**
 * Fill in `conn.endpoint` (and where it came from) as the SQS client resolves it, and the proxy
 * requests to it go through. --endpoint stays as it is; a queue URL's host wins over configured
 * endpoints, as in the SQS client (its queueUrlMiddleware). Not for the embedded server (--local):
 * that is this process's own, never behind a proxy.
 */
export async function resolveEndpoint(conn: Connection, queueUrl?: string): Promise<void> {
  if (conn.endpointSource !== '--endpoint') await fromSdk(conn, queueUrl);
  // The hot path's proxy, for the workers and the summary (NO_PROXY applied here, once).
  conn.proxy = proxyFor(conn.endpoint!);
}

async function fromSdk(conn: Connection, queueUrl?: string): Promise<void> {
  const before = conn.endpoint;
  const url = await sdkEndpoint(conn.region, queueUrl);
  conn.endpoint = url;
  if (queueUrl && new URL(queueUrl).origin === url) conn.endpointSource = 'queue URL';
  // The rules, or a configured endpoint the SDK preferred (a profile's endpoint_url).
  else if (before !== url) conn.endpointSource = 'AWS SDK endpoint resolution';
}
