/**
 * Before the load: the embedded server (--local), credentials, the queues (created if asked),
 * their dead-letter queues, and FIFO facts the senders need. Everything here may fail with a
 * one-line setup error; nothing has been sent yet.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../config.js';
import { startEmbeddedServer, type EmbeddedServer } from '../local.js';
import { checkCredentials, createSetupClient, endpointOf } from '../sqs/client.js';
import { resolveEndpoint } from '../sqs/endpoint-rules.js';
import { resolveQueues, redriveTargets, setupError, usesContentDedup, warnFifoRate } from '../sqs/queues.js';
import { noteLeftovers, resolveDownstreamQueues } from '../sqs/downstream.js';
import type { TopicTarget } from '../protocol.js';

export interface Setup {
  endpoint: string;
  /** For setup and stats calls only; the load itself runs in the workers. */
  admin: SQSClient;
  /** The queues sent to (and drained, unless run --downstream). */
  queueUrls: string[];
  /** run --downstream: the service's output queues, which the drain reads instead. */
  downstreamUrls?: string[];
  /** Dead-letter queues to check at the end (drain). */
  dlqUrls: string[];
  /** send --topic-arn: the topic the senders publish to (then `queueUrls` is empty: no queue is sent to). */
  topic?: TopicTarget;
  /** FIFO queues that deduplicate by content: no MessageDeduplicationId needed. */
  contentDedup: boolean;
  server?: EmbeddedServer;
}

/** `server` is handed out as soon as it runs, so a failure later in setup still stops it. */
export async function setUp(config: Config, onServer: (s: EmbeddedServer) => void): Promise<Setup> {
  let server: EmbeddedServer | undefined;
  if (config.local) {
    server = await startEmbeddedServer(0);
    onServer(server);
    config.connection.endpoint = server.endpoint;
    config.connection.endpointSource = 'local';
  } else {
    // Before the first SDK call, so setup and the workers go to one place.
    await resolveEndpoint(config.connection, config.queues.urls?.[0]);
    if (!config.connection.staticCredentials) await checkCredentials(config.connection);
  }
  const endpoint = endpointOf(config.connection);
  const admin = createSetupClient(config.connection);
  if (config.topic) {
    // Loaded only for a topic send: the SNS client costs its import like the SQS one.
    const topic = await (await import('../sns/setup.js')).topicTarget(config.connection, config.topic);
    return { endpoint, admin, queueUrls: [], dlqUrls: [], contentDedup: false, topic, server };
  }
  const queueUrls = await resolveQueues(admin, config.queues, endpoint);
  const downstream = config.drain?.downstream;
  const downstreamUrls = downstream ? await resolveDownstreamQueues(admin, downstream, queueUrls, endpoint) : undefined;
  if (downstreamUrls) await noteLeftovers(admin, downstreamUrls);
  let dlqUrls: string[] = [];
  if (config.drain) {
    try {
      // The DLQs of the queues drained: with --downstream, the service's output queues'.
      dlqUrls = config.drain.dlqUrl ? [config.drain.dlqUrl] : await redriveTargets(admin, downstreamUrls ?? queueUrls);
    } catch (e) {
      throw setupError(e, endpoint, 'reading the queues’ redrive policies');
    }
  }
  const contentDedup = config.queues.fifo && config.send ? await usesContentDedup(admin, queueUrls) : false;
  if (config.queues.fifo && config.send?.rate) warnFifoRate(config.send.rate, queueUrls.length, config.send.batchSize);
  return { endpoint, admin, queueUrls, downstreamUrls, dlqUrls, contentDedup, server };
}
