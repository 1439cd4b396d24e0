/** Queue resolution, creation and redrive policies, on the SDK (none of this is hot). */
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import pLimit from 'p-limit';
import { queueNameOf, type QueueSelection } from '../config.js';
import { UsageError } from '../errors.js';
import { CREATE_DEFAULTS, createQueue, desiredAttributes, lifecycle } from './create-queue.js';
import { errorCodeOf, isClockRefusal, isCredentialsRefused, isMissingQueue, isNetwork, isUntrustedCertificate } from './error-codes.js';

/** Turn setup-time failures into one-line errors that say what to do. */
export function setupError(e: unknown, endpoint: string, what: string): Error {
  if (e instanceof UsageError) return e;
  const code = errorCodeOf(e);
  if (isNetwork(code) || (e as { $metadata?: unknown }).$metadata === undefined && /connect|socket|network/i.test(String(e))) {
    return new UsageError(`cannot reach SQS at ${endpoint} (${code}); check --endpoint / AWS_ENDPOINT_URL_SQS, or use --local`);
  }
  if (isUntrustedCertificate(code)) {
    return new UsageError(`the TLS certificate of ${endpoint} is not trusted while ${what} (${code}: ${firstLine(e)}); trust its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem, or check --endpoint`);
  }
  // Before the credentials: AWS files a skewed request under SignatureDoesNotMatch too, and no
  // profile or role fixes a clock.
  if (isClockRefusal(code, firstLine(e))) {
    return new UsageError(`AWS refused a request while ${what} because this machine's clock is off (${code}: ${firstLine(e)}); sync the clock (NTP/chrony)`);
  }
  if (isCredentialsRefused(code)) {
    return new UsageError(`AWS refused the credentials while ${what} (${code}); check AWS_PROFILE / the pod's role`);
  }
  const notSqs = notSqsReply(e, code);
  if (notSqs) return new UsageError(`${endpoint} did not answer as SQS while ${what} (${notSqs}); check --endpoint / AWS_ENDPOINT_URL_SQS`);
  return new UsageError(`${what} failed: ${code}: ${firstLine(e)}`);
}

const firstLine = (e: unknown): string => String((e as Error).message ?? e).split('\n')[0];

/** What a reply that was not an SQS answer looked like (HTTP status, content type), or undefined. */
function notSqsReply(e: unknown, code: string): string | undefined {
  if (code.startsWith('HPE_')) return `not HTTP: ${code}`;
  if (!/Deserialization error/.test(String((e as Error).message))) return undefined;
  const r = (e as { $response?: { statusCode?: number; headers?: Record<string, string> } }).$response;
  const type = r?.headers?.['content-type'];
  return [r?.statusCode ? `HTTP ${r.statusCode}` : 'an unreadable reply', type].filter(Boolean).join(', ');
}

export function queueNames(sel: QueueSelection): string[] {
  if (sel.urls) return sel.urls.map(queueNameOf);
  return Array.from({ length: sel.count }, (_, i) => `${sel.prefix}-${i + 1}${sel.fifo ? '.fifo' : ''}`);
}

/** URLs of the selected queues, in order; creates missing ones when asked to. */
export async function resolveQueues(client: SQSClient, sel: QueueSelection, endpoint: string): Promise<string[]> {
  const limit = pLimit(8);
  if (sel.urls) {
    return Promise.all(
      sel.urls.map((url) =>
        limit(async () => {
          try {
            await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
            return url;
          } catch (e) {
            if (isMissingQueue(e)) throw new UsageError(`queue ${url} does not exist; check --queue-url or create it first`);
            throw setupError(e, endpoint, `checking queue ${url}`);
          }
        }),
      ),
    );
  }
  const life = lifecycle(sel.wait);
  return Promise.all(
    queueNames(sel).map((name) =>
      limit(async () => {
        try {
          return (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
        } catch (e) {
          if (!isMissingQueue(e)) throw setupError(e, endpoint, `looking up queue ${name}`);
          if (!sel.create) {
            throw new UsageError(`queue ${name} does not exist; add --create-queues, or check --queue-prefix/--queues`);
          }
          try {
            return await createQueue(client, name, desiredAttributes(name, CREATE_DEFAULTS), life);
          } catch (err) {
            throw setupError(err, endpoint, `creating queue ${name}`);
          }
        }
      }),
    ),
  );
}

/** The dead-letter queues named by the queues' RedrivePolicy, as URLs (deduplicated). */
export async function redriveTargets(client: SQSClient, urls: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const url of urls) {
    const { Attributes: a = {} } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }));
    if (!a.RedrivePolicy) continue;
    const arn = (JSON.parse(a.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
    if (!arn) continue;
    const [, , , , account, name] = arn.split(':');
    try {
      const r = await client.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
      if (r.QueueUrl) found.add(r.QueueUrl);
    } catch {
      // A DLQ that cannot be looked up is reported by depth checks as absent, not fatal.
    }
  }
  return [...found];
}

/** True when every FIFO queue deduplicates by content (then no MessageDeduplicationId is sent). */
export async function usesContentDedup(client: SQSClient, urls: string[]): Promise<boolean> {
  const flags = await Promise.all(
    urls.map(async (url) => {
      const { Attributes: a = {} } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ContentBasedDeduplication'] }));
      return a.ContentBasedDeduplication === 'true';
    }),
  );
  return flags.every(Boolean);
}

/**
 * FIFO quotas: 300 calls per second per action per queue, so 3,000 msg/s with batches of 10,
 * unless high-throughput mode is on. Going over is allowed (it is a load test) but said up front.
 */
export function warnFifoRate(rate: number, queues: number, batchSize: number): void {
  const quota = 300 * batchSize * queues;
  if (rate > quota) {
    process.stderr.write(
      `sqs-blast: warning: --rate ${rate} is over the FIFO quota of ~${quota} msg/s for ${queues} queue(s) (300 calls/s x ${batchSize}); expect ThrottlingException unless high-throughput mode is on\n`,
    );
  }
}
