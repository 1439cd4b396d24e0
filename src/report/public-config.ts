/** What of the config a result may carry: no credentials, ever. */
import type { Config } from '../config.js';

export function publicConfig(c: Config): Record<string, unknown> {
  return {
    command: c.command,
    endpoint: c.local ? 'local' : (c.connection.endpoint ?? `aws:${c.connection.region}`),
    endpointSource: c.local ? undefined : c.connection.endpointSource,
    region: c.connection.region,
    proxy: c.connection.proxy && withoutCredentials(c.connection.proxy),
    queues: c.queues.urls ?? { count: c.queues.count, prefix: c.queues.prefix },
    send: c.send ? { ...c.send, total: finiteOrNull(c.send.total), runTotal: finiteOrNull(c.send.runTotal) } : undefined,
    drain: c.drain,
    maxRetries: c.connection.maxRetries,
    requestTimeoutMs: c.connection.requestTimeoutMs,
    client: c.connection.client,
    ...(c.topic ? { topicArn: c.topic.arn } : {}),
  };
}

function finiteOrNull(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

/** A proxy URL may carry user:password (HTTPS_PROXY=http://u:p@host): never in a result. */
function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.origin;
}
