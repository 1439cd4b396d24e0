/**
 * burst --consumer external against a consumer sqs-blast does not touch: test/capped-consumer.py,
 * a boto3 process capped at a known rate, reading the queue the burst sends into.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueues, depth, endpoint, runCli, sdk, uniquePrefix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-external-'));
const CONSUMER = fileURLToPath(new URL('./capped-consumer.py', import.meta.url));
const AWS_ENV = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' };

interface Consumer {
  child: ChildProcess;
  /** SIGTERM, then what it says it did. */
  stop: () => Promise<{ taken: number; deleted: number; failed: number }>;
}

const running: Consumer[] = [];
afterEach(() => {
  for (const c of running.splice(0)) c.child.kill('SIGKILL');
});

/** Starts the capped consumer and resolves once every thread's first receive was answered. */
function startConsumer(url: string, rate: number, failEvery: number, threads: number): Promise<Consumer> {
  const child = spawn('python3', [CONSUMER, endpoint(), url, String(rate), String(failEvery), String(threads)], { env: AWS_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const consumer: Consumer = {
    child,
    stop: () =>
      new Promise((resolve, reject) => {
        child.once('exit', () => {
          const last = out.trim().split('\n').pop()!;
          try {
            resolve(JSON.parse(last));
          } catch {
            reject(new Error(`the consumer said ${JSON.stringify(out)} ${err}`));
          }
        });
        child.kill('SIGTERM');
      }),
  };
  running.push(consumer);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the consumer did not start: ${err}`)), 20_000);
    child.stdout!.on('data', () => {
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve(consumer);
      }
    });
    child.once('exit', (code) => reject(new Error(`the consumer exited ${code}: ${err}`)));
  });
}

/** A queue with a DLQ (RedrivePolicy): burst finds the DLQ itself. */
async function queueWithDlq(prefix: string, attributes: Record<string, string>, maxReceiveCount: number): Promise<{ url: string; dlq: string }> {
  const client = sdk();
  const [dlq] = await createQueues(client, `${prefix}-dlq`, 1);
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }));
  const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: String(maxReceiveCount) });
  const [url] = await createQueues(client, prefix, 1, { ...attributes, RedrivePolicy });
  client.destroy();
  return { url, dlq };
}

interface StepJson {
  target: number;
  achieved: number;
  passed: boolean;
  consumersBehind: boolean;
  consumersFailed: boolean;
  consumedPerSec: number;
  backlogPerSec: number;
  dlqGain: number | null;
  why: string[];
}

describe('burst --consumer external: the user’s consumers as the system under test', () => {
  it('finds a consumer capped at 300 msg/s within 15%, from the queue depth alone', async () => {
    // Two processes (two "pods") of four threads at 37.5 msg/s each: a thread needs one receive +
    // delete per 270 ms, far over what one takes on this busy 2-core box (~25 ms), so the cap, not
    // the CPU, sets the pace. One process capped at 400 fell to ~340 msg/s beside the test's server
    // and the sender (its threads share one interpreter lock).
    const CAP = 300;
    const { url } = await queueWithDlq(uniquePrefix('ext-cap'), {}, 5);
    const pods = await Promise.all([startConsumer(url, CAP / 2, 0, 4), startConsumer(url, CAP / 2, 0, 4)]);
    const out = join(tmp, 'capacity.json');
    // Steps of 2 s warm-up + 5 judged s (fauxqs's depth is exact and immediate; real SQS wants
    // minutes): 150, 225 pass, 338 fails, then 282 / 310 / 296 refine.
    const run = await runCli([
      'burst', '--consumer', 'external', '--endpoint', endpoint(), '--queue-url', url, '--message-size', '256',
      '--start-rate', '150', '--step-factor', '1.5', '--step-duration', '5', '--warmup', '2', '--refine-steps', '3', '--settle-timeout', '15',
      '--out', out, '--html', join(tmp, 'capacity.html'),
    ], { timeoutMs: 150_000 });
    const [a, b] = await Promise.all(pods.map((p) => p.stop()));
    const did = { taken: a.taken + b.taken, deleted: a.deleted + b.deleted, failed: a.failed + b.failed };
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    const s = doc.search;
    const table = JSON.stringify(s.steps.map((x: StepJson) => [x.target, x.achieved, x.consumedPerSec, x.backlogPerSec, x.passed, x.why]));
    expect(Math.abs(s.sustainedMsgPerSec - CAP), table).toBeLessThanOrEqual(0.15 * CAP);
    // The failing step is the consumers', and their pace there is the cap.
    expect(s.limit, table).toMatchObject({ consumersBehind: true, consumersFailed: false, dlqGain: 0 });
    expect(Math.abs(s.limit.consumedPerSec - CAP), table).toBeLessThanOrEqual(0.15 * CAP);
    for (const x of s.steps as StepJson[]) {
      // The producers kept their targets: only the backlog failed a step.
      expect(x.achieved, table).toBeGreaterThanOrEqual(0.97 * x.target);
      if (x.target < 0.85 * CAP) expect(x.passed, table).toBe(true);
      if (x.target > 1.1 * CAP) expect(x.consumersBehind, table).toBe(true);
    }
    expect(run.stdout).toMatch(/^your consumers keep up with [\d,]+ msg\/s; at [\d,]+ msg\/s the backlog grows by [\d,]+ msg\/s \(they took [\d,]+ msg\/s\); DLQ \+0$/m);
    // sqs-blast consumed nothing: the consumer took every message the steps sent, and the queue is empty.
    const sent = doc.steps.reduce((n: number, r: { result: { sent: number } }) => n + r.result.sent, 0);
    expect(did).toMatchObject({ taken: sent, deleted: sent, failed: 0 });
    const client = sdk();
    expect(await depth(client, url)).toBe(0);
    client.destroy();
    // The HTML draws the sent rate, the consumers' rate and the backlog's growth on one chart.
    const html = readFileSync(join(tmp, 'capacity.html'), 'utf8');
    expect(html).toContain('Sent, consumed and backlog growth');
    expect(html.match(/class="consumed"/g)).toHaveLength(s.steps.length);
  }, 170_000);

  it('a consumer that leaves messages undeleted fails its step on the DLQ, which gains exactly those', async () => {
    // Visibility 1 s and maxReceiveCount 1: a message the consumer did not delete goes to the DLQ
    // on its next receive, a second or so later, while burst waits for the backlog to drain.
    const { url, dlq } = await queueWithDlq(uniquePrefix('ext-dlq'), { VisibilityTimeout: '1' }, 1);
    const consumer = await startConsumer(url, 400, 10, 4);
    const out = join(tmp, 'dlq.json');
    const run = await runCli([
      'burst', '--consumer', 'external', '--endpoint', endpoint(), '--queue-url', url, '--message-size', '256',
      // Steps of 5 s: the 4 s judged window holds ~4 depth samples a second apart. At 3 s (2 s
      // judged) one late sample left one inside, and the step failed for too few samples (seen once).
      '--start-rate', '100', '--ceiling', '100', '--step-duration', '5', '--warmup', '1', '--refine-steps', '0', '--settle-timeout', '20', '--out', out,
    ], { timeoutMs: 60_000 });
    const did = await consumer.stop();
    expect(run.code, run.stderr).toBe(0);
    const s = JSON.parse(readFileSync(out, 'utf8')).search;
    const [step] = s.steps as StepJson[];
    expect(s.steps).toHaveLength(1);
    expect(did.failed).toBeGreaterThan(0);
    // The DLQ gained what the consumer failed, no more, no less; the step failed for that alone.
    expect(step).toMatchObject({ passed: false, consumersFailed: true, consumersBehind: false, dlqGain: did.failed });
    expect(step.why.join('; ')).toBe(`DLQ +${did.failed} (the consumers failed those messages)`);
    const client = sdk();
    expect(await depth(client, dlq)).toBe(did.failed);
    client.destroy();
    expect(s.sustainedMsgPerSec).toBeNull();
    expect(run.stdout).toMatch(new RegExp(`^no step held \\(the first, 100 msg/s, failed\\); at 100 msg/s your consumers failed messages: DLQ \\+${did.failed}$`, 'm'));
  }, 70_000);

  it('two shards on one ladder: report merges each step (the fleet’s sent against the shared backlog) and finds the consumers behind above their cap', async () => {
    const CAP = 300;
    const { url } = await queueWithDlq(uniquePrefix('ext-shard'), {}, 5);
    const pods = await Promise.all([startConsumer(url, CAP / 2, 0, 4), startConsumer(url, CAP / 2, 0, 4)]);
    // Enough lead for two Node processes to start on a busy two-core machine (~3 s seen).
    const startAt = Math.ceil(Date.now() / 1000) + 6;
    // Fleet steps 200, 260, 338, 439 msg/s, each shard sending half; 8 s apart (1 + 4 + a 3 s gap).
    const shard = (i: number) =>
      runCli([
        'burst', '--consumer', 'external', '--endpoint', endpoint(), '--queue-url', url, '--message-size', '256',
        '--shards', '2', '--shard', String(i), '--run-id', 'extshard1', '--start-at', String(startAt),
        '--start-rate', '200', '--step-factor', '1.3', '--ceiling', '450', '--step-duration', '4', '--warmup', '1', '--step-gap', '3',
        '--out', join(tmp, `shard-${i}.json`),
      ], { timeoutMs: 90_000 });
    const runs = await Promise.all([shard(0), shard(1)]);
    await Promise.all(pods.map((p) => p.stop()));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const out = join(tmp, 'shard-report.json');
    const report = await runCli(['report', join(tmp, 'shard-0.json'), join(tmp, 'shard-1.json'), '--out', out]);
    expect(report.code, report.stderr).toBe(0);
    const s = JSON.parse(readFileSync(out, 'utf8')).search;
    const table = JSON.stringify(s.steps.map((x: StepJson) => [x.target, x.achieved, x.consumedPerSec, x.backlogPerSec, x.passed, x.why]));
    expect(s.steps.map((x: StepJson) => x.target), table).toEqual([200, 260, 338, 439]);
    // The fleet's step: achieved adds both shards' messages, and the consumers' pace is the fleet's
    // sent less the one backlog (a shard's share alone would put it near half).
    expect(s.steps[0].achieved, table).toBeGreaterThanOrEqual(194);
    expect(s.steps[0].passed, table).toBe(true);
    expect(Math.abs(s.steps[0].consumedPerSec - 200), table).toBeLessThanOrEqual(30);
    expect(s.limit, table).toMatchObject({ target: 338, consumersBehind: true });
    expect(Math.abs(s.limit.consumedPerSec - CAP), table).toBeLessThanOrEqual(0.15 * CAP);
    expect(s.steps[3].consumersBehind, table).toBe(true);
    expect(report.stdout).toMatch(/^your consumers keep up with 260 msg\/s; at 338 msg\/s the backlog grows by [\d,]+ msg\/s \(they took [\d,]+ msg\/s\); DLQ \+0$/m);
  }, 120_000);

  it('send --observe at a fixed rate: the consumers’ pace and the backlog’s growth in the result, and compare carries them', async () => {
    const CAP = 150;
    const { url } = await queueWithDlq(uniquePrefix('ext-observe'), {}, 5);
    const consumer = await startConsumer(url, CAP, 0, 4);
    const send = (rate: number, out: string) =>
      runCli(['send', '--observe', '--endpoint', endpoint(), '--queue-url', url, '--message-size', '256', '--rate', String(rate), '--duration', '6', '--warmup', '1', '--settle-timeout', '20', '--out', out], { timeoutMs: 60_000 });
    // Over the cap: the backlog grows by about the difference. Under it: it holds.
    const over = await send(250, join(tmp, 'observe-over.json'));
    const under = await send(100, join(tmp, 'observe-under.json'));
    const did = await consumer.stop();
    for (const r of [over, under]) expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(readFileSync(join(tmp, 'observe-over.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(tmp, 'observe-under.json'), 'utf8'));
    const seen = JSON.stringify([a.consumers, b.consumers]);
    expect(Math.abs(a.consumers.consumedPerSec - CAP), seen).toBeLessThanOrEqual(0.15 * CAP);
    expect(a.consumers.growthPerSec, seen).toBeGreaterThan(250 - 1.15 * CAP);
    expect(a.consumers.dlqGain, seen).toBe(0);
    expect(Math.abs(b.consumers.consumedPerSec - 100), seen).toBeLessThanOrEqual(15);
    expect(Math.abs(b.consumers.growthPerSec), seen).toBeLessThan(15);
    expect(over.stdout).toMatch(/^consumers {2}yours took [\d.,]+ msg\/s of [\d.,]+ sent · backlog \+[\d.,]+ msg\/s · DLQ \+0 {2}\(queue depth, \d+ samples\)$/m);
    // Each send waited for the consumers to drain its backlog: they took every message.
    expect(did.deleted).toBe(a.sent + b.sent);
    const compared = await runCli(['compare', join(tmp, 'observe-over.json'), join(tmp, 'observe-under.json'), '--json']);
    expect(compared.code, compared.stderr).toBe(0);
    const figures = JSON.parse(compared.stdout).figures as Array<{ metric: string; base: number; next: number }>;
    expect(figures.find((f) => f.metric === 'consumers.throughput')).toMatchObject({ base: a.consumers.consumedPerSec, next: b.consumers.consumedPerSec });
    expect(figures.find((f) => f.metric === 'backlog.growth')).toMatchObject({ base: a.consumers.growthPerSec, next: b.consumers.growthPerSec });
  }, 90_000);

  it('refuses --consumer with anything but external, beside --drain, or with sqs-blast’s consumer flags, and send’s --observe flags out of place, in one line', async () => {
    const base = ['burst', '--endpoint', endpoint(), '--queue-url', `${endpoint()}/000000000000/none`];
    const burst: Array<[string[], RegExp]> = [
      [['--consumer', 'mine'], /^sqs-blast: --consumer \(env SQS_BLAST_CONSUMER\) must be external \(got "mine"\)/],
      [['--consumer', 'external', '--drain'], /^sqs-blast: --consumer external and --drain both name the consumers/],
      [['--consumer', 'external', '--drain-workers', '2'], /^sqs-blast: --drain-workers shapes sqs-blast’s own consumers; with --consumer external yours read the queues: drop --drain-workers/],
      [['--settle-timeout', '5'], /^sqs-blast: --settle-timeout waits for your consumers .*add --consumer external/],
      [['--max-growth', '5'], /^sqs-blast: --max-growth bounds the backlog .*add --drain or --consumer external/],
    ];
    const cases: Array<[string[], RegExp]> = [
      ...burst.map(([args, line]): [string[], RegExp] => [[...base, ...args], line]),
      [['send', '--endpoint', endpoint(), '--queue-url', `${endpoint()}/000000000000/none`, '--total', '10', '--settle-timeout', '5'], /^sqs-blast: --settle-timeout belongs to send --observe .*add --observe/],
      [['send', '--local', '--total', '10', '--observe'], /^sqs-blast: --observe watches your consumers, who cannot reach the server --local starts/],
    ];
    for (const [args, line] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(line);
    }
  }, 60_000);
});
