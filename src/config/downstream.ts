/**
 * `run --downstream QUEUE`: the run sends to the queues a user's service reads and drains QUEUE,
 * where the service writes its output. Checked here, before setup: what the flag may be given
 * with, and what a QUEUE looks like (a name or a queue URL). Whether the queue exists, and that it
 * is none of the send queues, is known only once the queues are resolved (sqs/downstream.ts).
 */
import { UsageError } from '../errors.js';
import { stringList, type RawArgs } from './args.js';
import { regionFromQueueUrl } from './queue-url.js';

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$|^[A-Za-z0-9_-]{1,75}\.fifo$/;

/** A --downstream QUEUE as given: a queue URL, or a name looked up with GetQueueUrl. */
export type DownstreamRef = { url: string } | { name: string };

export function resolveDownstream(args: RawArgs, local: boolean, region: string): DownstreamRef[] | undefined {
  const given = stringList(args, 'downstream');
  if (!given.length) return undefined;
  if (local) {
    throw new UsageError(
      '--downstream drains your service’s output queue, which the embedded server of --local does not hold: start `sqs-blast local`, point your service and --endpoint at it, or drop --local',
    );
  }
  // The senders would wait on the service's output: a slow service would slow the load down
  // instead of showing up as latency through it (coordinated omission). Pace it with --rate.
  if (args.maxBacklog !== undefined) {
    throw new UsageError('--max-backlog makes the senders wait on the drain, which with --downstream is your service: drop it, and pace the load with --rate or --stages');
  }
  return given.map((raw) => refOf(raw, region));
}

function refOf(raw: string, region: string): DownstreamRef {
  if (!/^https?:\/\//i.test(raw)) {
    if (!QUEUE_NAME.test(raw)) {
      throw new UsageError(`--downstream ${JSON.stringify(raw)} is neither a queue name (1-80 letters, digits, '-' or '_', FIFO ending in .fifo) nor a queue URL; give the queue your service writes to`);
    }
    return { name: raw };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--downstream ${JSON.stringify(raw)} is not a URL; expected a queue name or https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`);
  }
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts.length !== 2 || !QUEUE_NAME.test(parts[1])) {
    throw new UsageError(`--downstream ${JSON.stringify(raw)} is not a queue URL; expected a queue name or https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`);
  }
  const own = regionFromQueueUrl(url.href);
  if (own && own !== region) {
    throw new UsageError(`--downstream ${url.href} is in ${own} but the run signs for ${region}: a run works in one region; give a downstream queue of ${region}`);
  }
  return { url: url.href };
}
