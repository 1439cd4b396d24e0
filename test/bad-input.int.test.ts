import { describe, expect, it } from 'vitest';
import { endpoint, runCli, uniquePrefix } from './helpers.js';

describe('bad input: one line on stderr, exit 2, no stack trace', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['negative total', ['send', '--local', '--total', '-5'], /--total .*whole number >= 1/],
    ['batch size 11', ['send', '--local', '--batch-size', '11'], /--batch-size .*1 to 10/],
    ['zero queues', ['send', '--local', '--queues', '0'], /--queues .*1 to 1000/],
    ['unknown flag', ['send', '--local', '--totl', '5'], /Unknown argument: totl/],
    ['unknown command', ['sned'], /Unknown argument: sned|Did you mean send/],
    ['no command', [], /name a command/],
    ['non-numeric total', ['send', '--local', '--total', 'lots'], /--total .*not a number/],
    ['unreachable endpoint', ['send', '--endpoint', 'http://127.0.0.1:9', '--total', '10'], /cannot reach SQS at http:\/\/127\.0\.0\.1:9/],
    ['unwritable --out', ['send', '--local', '--total', '10', '--out', '/nonexistent/dir/r.json'], /--out .*cannot be written/],
    ['wait time 30', ['drain', '--local', '--wait-time', '30'], /--wait-time/],
    ['bad local port', ['local', '--port', '70000'], /--port/],
  ];
  it.each(cases)('%s', async (_name, args, pattern) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(pattern);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });

  it('a missing queue without --create-queues', async () => {
    const prefix = uniquePrefix('missing');
    const run = await runCli(['send', '--endpoint', endpoint(), '--queue-prefix', prefix, '--total', '10']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`sqs-blast: queue ${prefix}-1 does not exist; add --create-queues, or check --queue-prefix/--queues`);
  });

  it('a bad value from the environment names the variable', async () => {
    const run = await runCli(['send', '--local'], { env: { SQS_BLAST_BATCH_SIZE: '0' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--batch-size \(env SQS_BLAST_BATCH_SIZE\)/);
  });
});
