/** send --topic-arn before the load: where SNS is, that the topic exists, and how many queues it delivers to. */
import type { Connection } from '../config.js';
import type { TopicOptions } from '../config/topic.js';
import type { TopicTarget } from '../protocol.js';
import { setupError } from '../sqs/queues.js';
import { createSnsClient, snsEndpoint } from './client.js';
import { sqsSubscriptions } from './topics.js';

export async function topicTarget(conn: Connection, topic: TopicOptions): Promise<TopicTarget> {
  const target = { endpoint: snsEndpoint(conn), region: topic.region };
  const sns = createSnsClient(conn, target);
  try {
    return { arn: topic.arn, ...target, sqsSubscriptions: await sqsSubscriptions(sns, topic.arn) };
  } catch (e) {
    throw setupError(e, target.endpoint ?? `https://sns.${topic.region}.amazonaws.com`, `looking up topic ${topic.arn}`);
  } finally {
    sns.destroy();
  }
}
