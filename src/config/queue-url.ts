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

const REGION = '([a-z]{2}(?:-[a-z]+)+-\\d+)';
/** The DNS suffixes of the AWS partitions (aws, aws-cn, aws-us-gov and the ISO ones), dual-stack ones included. */
const SUFFIX = '(?:amazonaws\\.com(?:\\.cn)?|api\\.aws|api\\.amazonwebservices\\.com\\.cn|c2s\\.ic\\.gov|sc2s\\.sgov\\.gov|cloud\\.adc-e\\.uk|csp\\.hci\\.ic\\.gov)';
/**
 * Every documented SQS host form, with the region in group 1: regional (`sqs.R.amazonaws.com`),
 * FIPS (`sqs-fips.R…`), dual-stack (`sqs.R.api.aws`), the older `R.queue.amazonaws.com`, China
 * (`….amazonaws.com.cn`) and interface VPC endpoints (`vpce-….sqs.R.vpce.amazonaws.com`).
 */
const SQS_HOSTS = [
  new RegExp(`^sqs(?:-fips)?\\.${REGION}\\.${SUFFIX}$`),
  new RegExp(`^${REGION}\\.queue\\.${SUFFIX}$`),
  new RegExp(`^vpce-[a-z0-9-]+\\.sqs(?:-fips)?\\.${REGION}\\.vpce\\.${SUFFIX}$`),
];

/** The region an SQS host name is in, or undefined for a host that is not AWS's (an emulator). */
export function regionOfSqsHost(hostname: string): string | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  // The legacy global host serves us-east-1 only.
  if (host === 'queue.amazonaws.com') return 'us-east-1';
  for (const re of SQS_HOSTS) {
    const m = re.exec(host);
    if (m) return m[1];
  }
  return undefined;
}

export function regionFromQueueUrl(url: string): string | undefined {
  return regionOfSqsHost(new URL(url).hostname);
}
