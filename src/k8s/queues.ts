/**
 * The queues of a run made by `k8s run` and removed by `k8s run`/`k8s delete`, from where the
 * user runs the command, with the functions `sqs-blast queues create|delete --yes` uses. Created
 * once here, the pods need no setup container (setup: none), and no pod races another to make them.
 */
import { ListQueuesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createOptions, createQueues, deleteQueues } from '../admin.js';
import { resolveConfig, type Config } from '../config.js';
import { checkCredentials, createSetupClient, endpointOf } from '../sqs/client.js';
import { setupError } from '../sqs/queues.js';

export interface QueueTarget {
  /** The pods' endpoint (--endpoint), else AWS_ENDPOINT_URL_SQS, else AWS: the rule of `queues`. */
  endpoint?: string;
  region: string;
  queuePrefix: string;
  /** Undefined (k8s delete without --queues): every <prefix>-N there is. */
  queues?: number;
  fifo: boolean;
  dlq?: boolean;
}

async function withClient<T>(config: Config, what: string, fn: (client: SQSClient) => Promise<T>): Promise<T> {
  if (!config.connection.staticCredentials) await checkCredentials(config.connection);
  const client = createSetupClient(config.connection);
  try {
    return await fn(client);
  } catch (e) {
    throw setupError(e, endpointOf(config.connection), what);
  } finally {
    client.destroy();
  }
}

const selection = (t: QueueTarget, queues: number) => ({ endpoint: t.endpoint, region: t.region, queues, queuePrefix: t.queuePrefix, fifo: t.fifo });

/** Create the run's queues (and DLQs) if missing: the table `queues create` prints. */
export async function createRunQueues(t: QueueTarget): Promise<string[][]> {
  const config = resolveConfig('queues', selection(t, t.queues ?? 1));
  return withClient(config, 'creating the run\'s queues', (client) => createQueues(client, config, createOptions({ dlq: t.dlq })));
}

/** The URLs of <prefix>-N (and .fifo) that exist, for a delete that was not told how many. */
async function existing(client: SQSClient, prefix: string): Promise<string[]> {
  const urls: string[] = [];
  const own = new RegExp(`/${prefix.replace(/[-_]/g, '\\$&')}-\\d+(\\.fifo)?$`);
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-`, NextToken, MaxResults: 1000 }));
    urls.push(...(page.QueueUrls ?? []).filter((u) => own.test(u)));
    NextToken = page.NextToken;
  } while (NextToken);
  return urls;
}

/**
 * Delete these queues (k8s run: the ones it created, DLQs included; queues that were there before,
 * e.g. shared by --queue-prefix, are not its to delete), as `queues delete --yes` does.
 */
export async function deleteQueueUrls(t: Pick<QueueTarget, 'endpoint' | 'region'>, urls: string[]): Promise<string[][]> {
  if (!urls.length) return [['queue', 'status']];
  const config = resolveConfig('queues', { endpoint: t.endpoint, region: t.region, queueUrl: urls });
  return withClient(config, 'deleting the run\'s queues', (client) => deleteQueues(client, config, true, false));
}

/** Delete the run's queues and their DLQs, as `queues delete --dlq --yes` does; the rows it prints. */
export async function deleteRunQueues(t: QueueTarget): Promise<string[][]> {
  const probe = resolveConfig('queues', selection(t, t.queues ?? 1));
  return withClient(probe, 'deleting the run\'s queues', async (client) => {
    let config = probe;
    if (t.queues === undefined) {
      const urls = await existing(client, t.queuePrefix);
      if (!urls.length) return [['queue', 'status']];
      config = resolveConfig('queues', { endpoint: t.endpoint, region: t.region, queueUrl: urls });
    } else config = resolveConfig('queues', selection(t, t.queues));
    return deleteQueues(client, config, true, true);
  });
}
