import { describe, expect, it } from 'vitest';
import { resolveConfig, usableCpus, type RawArgs } from '../src/config.js';
import { buildCli } from '../src/cli/commands.js';
import { UsageError } from '../src/errors.js';
import { s3Connection } from '../src/config/s3-location.js';

function bad(command: 'send' | 'drain' | 'run', args: RawArgs, env: NodeJS.ProcessEnv = {}): string {
  try {
    resolveConfig(command, args, env);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('config validation', () => {
  it.each([
    [{ total: -5 }, /--total .*whole number >= 1.*got -5/],
    [{ total: 1.5 }, /--total/],
    [{ total: Number.NaN }, /--total .*not a number/],
    [{ batchSize: 11 }, /--batch-size .*1 to 10.*got 11.*1 to 10 entries/],
    [{ batchSize: 0 }, /--batch-size/],
    [{ queues: 0 }, /--queues .*1 to 1000.*got 0/],
    [{ messageSize: 2_000_000 }, /--message-size .*1 MiB/],
    [{ messageSize: 100 }, /--message-size .*256/],
    [{ rate: 0 }, /--rate .*must be a number > 0.*got 0/],
    [{ duration: -1 }, /--duration/],
    [{ concurrency: 0 }, /--concurrency/],
    [{ batchSize: 10, messageSize: 200_000 }, /over the 1 MiB SendMessageBatch limit/],
    [{ endpoint: 'not a url' }, /--endpoint is not a URL/],
    [{ endpoint: 'ftp://x' }, /--endpoint must be an http/],
    [{ local: true, endpoint: 'http://127.0.0.1:1' }, /--local starts its own server/],
    [{ queueUrl: ['https://sqs.us-east-1.amazonaws.com/1/a'], queues: 2 }, /either --queue-url/],
    [{ queueUrl: ['nonsense'] }, /--queue-url "nonsense" is not a URL/],
    [{ queueUrl: ['https://example.com/only-one-part'] }, /is not a queue URL/],
    [{ queuePrefix: 'has space' }, /--queue-prefix/],
    [{ region: 'Mars' }, /--region "Mars"/],
    [{ shard: 3, shards: 2 }, /--shard 3 must be below --shards 2/],
    [{ runId: 'a b' }, /--run-id/],
    [{ maxRetries: -1 }, /--max-retries/],
  ])('send %j → %s', (args, pattern) => {
    const msg = bad('send', args as RawArgs);
    expect(msg).toMatch(pattern);
    expect(msg).not.toContain('\n');
  });

  it.each([
    [{ waitTime: 21 }, /--wait-time .*0 to 20/],
    [{ maxMessages: 11 }, /--max-messages .*1 to 10/],
    [{ visibilityTimeout: 50_000 }, /--visibility-timeout/],
    [{ idleTimeout: 0 }, /--idle-timeout/],
    [{ expect: -1 }, /--expect/],
    [{ dlqUrl: 'x' }, /--queue-url "x" is not a URL|is not a URL/],
  ])('drain %j → %s', (args, pattern) => {
    expect(bad('drain', args as RawArgs)).toMatch(pattern);
  });

  it('names the environment variable next to the flag', () => {
    expect(bad('send', { total: 0 })).toContain('SQS_BLAST_TOTAL');
  });

  it('fills defaults and honours the AWS environment', () => {
    const c = resolveConfig('send', {}, { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566/', AWS_REGION: 'eu-west-1' });
    expect(c.connection.endpoint).toBe('http://127.0.0.1:4566');
    expect(c.connection.region).toBe('eu-west-1');
    expect(c.connection.staticCredentials).toBeDefined(); // loopback gets dummy keys
    expect(c.send).toMatchObject({ total: 100_000, batchSize: 10, messageSize: 10_240, concurrency: 64 });
    expect(c.queues).toMatchObject({ count: 1, prefix: 'sqs-blast', create: false });
    expect(c.runId).toMatch(/^[a-z0-9]{8}$/);
  });

  it('uses the credential chain for real AWS endpoints', () => {
    const c = resolveConfig('send', { queueUrl: ['https://sqs.ap-northeast-2.amazonaws.com/123456789012/q'] }, {});
    expect(c.connection.staticCredentials).toBeUndefined();
    expect(c.connection.endpoint).toBeUndefined();
    expect(c.connection.region).toBe('ap-northeast-2');
  });

  it('a loopback endpoint uses the credential chain when AWS_PROFILE or keys name it, but --local keeps its dummy keys', () => {
    const loopback = { endpoint: 'http://127.0.0.1:4566' };
    expect(resolveConfig('send', loopback, { AWS_PROFILE: 'blast' }).connection.staticCredentials).toBeUndefined();
    expect(resolveConfig('send', loopback, { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }).connection.staticCredentials).toBeUndefined();
    expect(resolveConfig('send', { local: true }, { AWS_PROFILE: 'blast' }).connection.staticCredentials).toBeDefined();
    expect(s3Connection('http://127.0.0.1:4566', 'us-east-1', { AWS_PROFILE: 'blast' }).staticCredentials).toBeUndefined();
    expect(s3Connection('http://127.0.0.1:4566', 'us-east-1', {}).staticCredentials).toBeDefined();
  });

  it('takes the shard index from JOB_COMPLETION_INDEX and slices the total exactly', () => {
    const sizes = [0, 1, 2].map((i) => resolveConfig('send', { total: 10, shards: 3, runId: 'r1' }, { JOB_COMPLETION_INDEX: String(i) }).send!.total);
    expect(sizes).toEqual([4, 3, 3]);
    const rate = resolveConfig('send', { total: 10, shards: 4, rate: 1000 }, { JOB_UID: 'a1b2c3d4-0000' }).send!.rate;
    expect(rate).toBe(250);
  });

  it('refuses shards without a shared run id, which would merge as several runs with shards missing', () => {
    for (const command of ['send', 'drain', 'run'] as const) {
      expect(bad(command, { shards: 4, shard: 1 })).toMatch(/^--shards 4 needs one run id shared by every shard: give --run-id ID \(env SQS_BLAST_RUN_ID\)/);
    }
    expect(resolveConfig('send', { shards: 4 }, { JOB_UID: 'F00D-beef-1234' }).runId).toBe('f00dbeef');
    expect(resolveConfig('drain', { shards: 4, runId: 'load7' }, {}).runId).toBe('load7');
    expect(resolveConfig('send', {}, {}).runId).toMatch(/^[0-9a-z]{8}$/); // one shard: a random id is fine
  });

  it('waits --start-timeout for the first message, defaulting to the idle timeout', () => {
    expect(resolveConfig('drain', { idleTimeout: 5 }, {}).drain).toMatchObject({ idleTimeoutMs: 5000, startTimeoutMs: 5000 });
    expect(resolveConfig('drain', { idleTimeout: 5, startTimeout: 300 }, {}).drain).toMatchObject({ idleTimeoutMs: 5000, startTimeoutMs: 300_000 });
    expect(bad('drain', { startTimeout: 0 })).toMatch(/--start-timeout \(env SQS_BLAST_START_TIMEOUT\) must be a number > 0/);
  });

  it('gates on its own verdict unless --no-gate', () => {
    expect(resolveConfig('send', {}, {}).gate).toBe(true);
    expect(resolveConfig('send', { gate: false }, {}).gate).toBe(false);
    expect(resolveConfig('send', { gate: 'false' }, {}).gate).toBe(false); // from SQS_BLAST_GATE
  });

  it("follows a container's CPU limit (cgroup cpu.max) rather than the node's cores", () => {
    const files = (m: Record<string, string>) => (f: string) => {
      if (f in m) return m[f];
      throw new Error('ENOENT');
    };
    expect(usableCpus(files({ '/sys/fs/cgroup/cpu.max': '200000 100000\n' }), 64)).toBe(2);
    expect(usableCpus(files({ '/sys/fs/cgroup/cpu.max': '150000 100000' }), 64)).toBe(2); // 1.5 CPUs: 2 threads may run
    expect(usableCpus(files({ '/sys/fs/cgroup/cpu.max': '50000 100000' }), 64)).toBe(1);
    expect(usableCpus(files({ '/sys/fs/cgroup/cpu.max': 'max 100000' }), 64)).toBe(64);
    expect(usableCpus(files({ '/sys/fs/cgroup/cpu.max': '800000 100000' }), 4)).toBe(4); // never above the cores
    expect(usableCpus(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '300000', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }), 64)).toBe(3);
    expect(usableCpus(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }), 64)).toBe(64);
    expect(usableCpus(files({}), 6)).toBe(6);
  });

  it('runs until the deadline when only --duration is given', () => {
    const c = resolveConfig('send', { duration: 30 }, {});
    expect(c.send!.total).toBe(Infinity);
    expect(c.send!.durationMs).toBe(30_000);
  });
});

describe('command line', () => {
  it('hands the command its flags without rendering the help text (an eighth of startup CPU)', async () => {
    let got: Record<string, unknown> | undefined;
    const capture = async (_c: string, argv: Record<string, unknown>) => void (got = argv);
    const cli = buildCli(['drain', '--queues', '3'], { load: capture, report: capture as never, local: capture as never });
    await cli.parseAsync();
    expect(got).toMatchObject({ queues: 3 });
    const usage = (cli as unknown as { getInternalMethods(): { getUsageInstance(): { hasCachedHelpMessage(): boolean } } }).getInternalMethods().getUsageInstance();
    expect(usage.hasCachedHelpMessage()).toBe(false);
  });
});
