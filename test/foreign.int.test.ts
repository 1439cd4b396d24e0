/**
 * Two runs on one set of queues take each other's messages: a send refuses to start on queues
 * holding another run's messages (exit 2, one line), unless --allow-foreign; its own run's are fine.
 */
import { describe, expect, it } from 'vitest';
import { depth, endpoint, runCli, sdk, uniquePrefix } from './helpers.js';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';

describe('a send on queues that hold another run’s messages', () => {
  it('is refused with one line naming the run and the ways out, and goes with --allow-foreign', async () => {
    const prefix = uniquePrefix('foreign-send');
    const base = ['send', '--endpoint', endpoint(), '--queues', '1', '--queue-prefix', prefix, '--total', '50', '--message-size', '512'];
    expect((await runCli([...base, '--create-queues', '--run-id', 'runa'])).code).toBe(0);
    // Another shard of the same run adds to its own messages.
    expect((await runCli([...base, '--run-id', 'runa', '--shards', '2', '--shard', '1'])).code).toBe(0);
    const refused = await runCli([...base, '--run-id', 'runb']);
    expect(refused.code).toBe(2);
    const lines = refused.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`queue ${prefix}-1 holds messages of another run \\(runa\\).*--queue-prefix.*queues purge.*--allow-foreign`));
    const url = (await sdk().send(new GetQueueUrlCommand({ QueueName: `${prefix}-1` }))).QueueUrl!;
    // The look left every message in place.
    expect(await depth(sdk(), url)).toBe(75);
    const allowed = await runCli([...base, '--run-id', 'runb', '--allow-foreign']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await depth(sdk(), url)).toBe(125);
  }, 60_000);
});
