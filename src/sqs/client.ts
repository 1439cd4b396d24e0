/**
 * Connections to SQS: the AWS SDK client for everything that is not hot (queue admin, stats).
 * The hot actions go through the lean wire path (./wire.ts), or with --client sdk through this
 * same client (./sdk-wire.ts).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Connection } from '../config.js';
import { UsageError } from '../errors.js';
import { agentsFor } from '../proxy-agents.js';
import { credentialProvider, endpointOf } from './credentials.js';

export { endpointOf } from './credentials.js';

/** Resolve credentials once up front so a missing chain is a clean exit 2, not N failed calls. */
export async function checkCredentials(conn: Connection): Promise<AwsCredentialIdentity> {
  try {
    return await credentialProvider(conn)();
  } catch {
    throw new UsageError(
      'no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (in a pod: IRSA or EKS Pod Identity); --local needs none',
    );
  }
}

/**
 * `loops`: the client that carries the send and drain loops' calls (--client sdk, sdk-wire.ts):
 * the standard retry mode whatever AWS_RETRY_MODE or a profile says, and a call past its
 * timeout fails and is retried, as on the lean path (the handler's default only warns on stderr).
 */
export function createSqsClient(conn: Connection, maxSockets = 16, loops = false): SQSClient {
  return new SQSClient({ region: conn.region, endpoint: conn.endpoint, ...sdkClientConfig(conn, endpointOf(conn), maxSockets, loops) });
}

/**
 * What every SDK client of ours shares (SQS here, SNS in sns/client.ts): the credential chain,
 * --max-retries, the retry mode, and a keep-alive handler through HTTPS_PROXY / HTTP_PROXY unless
 * NO_PROXY exempts `origin`, as the hot path, with our timeouts.
 */
export function sdkClientConfig(conn: Connection, origin: string, maxSockets: number, loops: boolean) {
  return {
    credentials: credentialProvider(conn),
    maxAttempts: conn.maxRetries + 1,
    retryMode: loops ? ('standard' as const) : undefined,
    requestHandler: new NodeHttpHandler({
      ...agentsFor(origin, { keepAlive: true, maxSockets }, conn.endpointSource === 'local'),
      connectionTimeout: Math.min(conn.requestTimeoutMs, 5000),
      requestTimeout: conn.requestTimeoutMs,
      throwOnRequestTimeout: loops || undefined,
    }),
  };
}

/**
 * The client for setup and queue administration (lookups, creation, purge, delete, stats): the
 * SDK's retries with backoff on throttling, 5xx and dropped connections, --max-retries of them as
 * the load gets (throttling is likely exactly when SQS is under load, or when many pods set up at
 * once), and a short timeout per call. One function, so that `queues create` and
 * `--create-queues` cannot drift apart.
 */
export function createSetupClient(conn: Connection): SQSClient {
  return createSqsClient({ ...conn, requestTimeoutMs: 5000 });
}
