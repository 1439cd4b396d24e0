/** Queue URLs as users give them (--queue-url, --dlq-url): checked, named, and their region. */
import { UsageError } from '../errors.js';

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$|^[A-Za-z0-9_-]{1,75}\.fifo$/;

export function validateQueueUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `--queue-url ${JSON.stringify(raw)} is not a URL; expected https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`,
    );
  }
  const parts = url.pathname.split('/').filter(Boolean);
  if (!/^https?:$/.test(url.protocol) || parts.length !== 2 || !QUEUE_NAME.test(parts[1])) {
    throw new UsageError(
      `--queue-url ${JSON.stringify(raw)} is not a queue URL; expected https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`,
    );
  }
  return url.href;
}

export function queueNameOf(url: string): string {
  const parts = new URL(url).pathname.split('/').filter(Boolean);
  return parts[parts.length - 1];
}

export function regionFromQueueUrl(url: string): string | undefined {
  return /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(url).hostname)?.[1];
}
