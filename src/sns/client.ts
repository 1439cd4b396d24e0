/**
 * The SNS client: topic setup (queues create --topic), the topic's subscriptions, and the
 * publishes of send --topic-arn (publish-wire.ts). The same credentials, proxy handling and
 * timeouts as the SQS client (sqs/client.ts). SNS has no place in the lean path's endpoint rules,
 * so where it lives is decided here: an endpoint the user gave for everything (--endpoint, --local,
 * AWS_ENDPOINT_URL: an emulator such as fauxqs serves SNS on the SQS port) is used as it is;
 * otherwise AWS_ENDPOINT_URL_SNS, or the SDK's own endpoint for the topic's region.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import type { Connection } from '../config.js';
import { sdkClientConfig } from '../sqs/client.js';

/** Where --endpoint (or --local, or AWS_ENDPOINT_URL) came from: an endpoint for every service. */
const SHARED_SOURCES = new Set(['--endpoint', 'local', 'AWS_ENDPOINT_URL']);

/** The SNS endpoint for this connection, or undefined for the SDK's own (the topic's region). */
export function snsEndpoint(conn: Pick<Connection, 'endpoint' | 'endpointSource'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (conn.endpoint && conn.endpointSource && SHARED_SOURCES.has(conn.endpointSource)) return conn.endpoint;
  return env.AWS_ENDPOINT_URL_SNS || undefined;
}

export interface SnsTarget {
  endpoint?: string;
  region: string;
}

/** `loops`: the client that carries a send's PublishBatch calls (standard retries, a call past its timeout fails), as sqs/client.ts. */
export function createSnsClient(conn: Connection, target: SnsTarget, maxSockets = 16, loops = false): SNSClient {
  const origin = target.endpoint ?? `https://sns.${target.region}.amazonaws.com`;
  // Setup calls get a short timeout per call, the publish loops the run's (as createSetupClient).
  const timed = loops ? conn : { ...conn, requestTimeoutMs: 5000 };
  return new SNSClient({ region: target.region, endpoint: target.endpoint, ...sdkClientConfig(timed, origin, maxSockets, loops) });
}
