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
    ['message over 1 MiB', ['send', '--local', '--message-size', '1048577'], /--message-size .*1 MiB/],
    ['rate 0', ['send', '--local', '--rate', '0'], /--rate .*> 0/],
    ['invalid threshold', ['send', '--local', '--threshold', 'p99 < fast'], /--threshold "p99 < fast" is not a threshold/],
    ['unknown threshold metric', ['drain', '--local', '--threshold', 'speed>1'], /unknown metric "speed"/],
    ['conflicting flags', ['send', '--local', '--endpoint', 'http://127.0.0.1:4566'], /--local starts its own server/],
    ['queue url and queue count', ['send', '--queue-url', 'https://sqs.us-east-1.amazonaws.com/123456789012/q', '--queues', '2'], /either --queue-url/],
    ['malformed queue url', ['drain', '--queue-url', 'sqs://nope'], /is not a queue URL/],
    ['batch too large in bytes', ['send', '--local', '--message-size', '200000'], /over the 1 MiB SendMessageBatch limit/],
    ['negative duration', ['run', '--local', '--duration', '-3'], /--duration/],
    ['size range upside down', ['send', '--local', '--message-size', '64KiB-1KiB'], /--message-size .*low end is above its high end/],
    ['size in a range over 1 MiB', ['send', '--local', '--message-size', '1KiB-2MiB'], /--message-size .*2MiB over 1048576 bytes/],
    ['weighted sizes without a weight', ['send', '--local', '--message-size', '1KiB:70,16KiB'], /--message-size .*SIZE:WEIGHT/],
    ['size with an unknown unit', ['send', '--local', '--message-size', '10KB'], /--message-size .*"10KB", which is not a size/],
    ['attributes over 10', ['send', '--local', '--message-attributes', '11'], /--message-attributes .*0 to 10/],
    ['delay over 900 s', ['send', '--local', '--delay-seconds', '901'], /--delay-seconds .*0 to 900/],
    ['delay on FIFO', ['send', '--local', '--fifo', '--delay-seconds', '5'], /--delay-seconds is not allowed on FIFO/],
    ['unknown process-time distribution', ['drain', '--local', '--process-time', 'normal:20ms'], /--process-time .*unknown distribution "normal"/],
    ['process-time range upside down', ['drain', '--local', '--process-time', 'uniform:80ms-5ms'], /--process-time .*low end is above/],
    ['group pattern on a standard queue', ['send', '--local', '--group-pattern', 'hot:50'], /--group-pattern is for FIFO queues/],
    ['unknown group pattern', ['send', '--local', '--fifo', '--group-pattern', 'zipf'], /--group-pattern .*"zipf" is not a pattern/],
    ['delete none without an end', ['drain', '--local', '--delete', 'none'], /--delete none .*--expect N or --duration S/],
    ['unknown delete mode', ['drain', '--local', '--delete', 'later'], /--delete .*batch, single .* or none/],
    ['extend-visibility without a timeout', ['drain', '--local', '--process-time', '1s', '--extend-visibility'], /--extend-visibility .*--visibility-timeout/],
    ['max-in-flight below a poll', ['drain', '--local', '--max-in-flight', '5'], /--max-in-flight .*10 to/],
    ['unwritable --html', ['send', '--local', '--html', '/nonexistent/x.html'], /--html .*cannot be written/],
    ['report of nothing', ['report'], /report needs result files/],
    ['unknown queues action', ['queues', 'frobnicate'], /Invalid values: Argument: action, Given: "frobnicate", Choices: "create", "purge", "delete", "stats"/],
    ['queues on an unreachable endpoint', ['queues', 'stats', '--endpoint', 'http://127.0.0.1:9'], /cannot reach SQS at http:\/\/127\.0\.0\.1:9/],
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

  it('an endpoint that is not SQS: a web page, or not HTTP at all', async () => {
    const { createServer } = await import('node:http');
    const net = await import('node:net');
    const web = createServer((_req, res) => res.writeHead(501, { 'content-type': 'text/html' }).end('<!DOCTYPE html><p>nope</p>'));
    const raw = net.createServer((s) => s.on('data', () => s.end('garbage\r\n\r\n')));
    const listen = (srv: import('node:net').Server) =>
      new Promise<number>((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as import('node:net').AddressInfo).port)));
    const [webPort, rawPort] = [await listen(web), await listen(raw)];
    try {
      const cases: Array<[string[], string]> = [
        [['send', '--endpoint', `http://127.0.0.1:${webPort}`, '--total', '10'], `http://127.0.0.1:${webPort} did not answer as SQS while looking up queue sqs-blast-1 (HTTP 501, text/html)`],
        [['queues', 'stats', '--endpoint', `http://127.0.0.1:${webPort}`], `did not answer as SQS while running queues stats (HTTP 501, text/html)`],
        [['drain', '--endpoint', `http://127.0.0.1:${rawPort}`], `http://127.0.0.1:${rawPort} did not answer as SQS while looking up queue sqs-blast-1 (not HTTP: HPE_`],
      ];
      for (const [args, text] of cases) {
        const run = await runCli(args);
        expect(run.code).toBe(2);
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
        expect(run.stderr).toContain(text);
        expect(run.stderr).toContain('check --endpoint / AWS_ENDPOINT_URL_SQS');
      }
    } finally {
      web.close();
      raw.close();
    }
  });

  it('a corrupt file given to report', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'sqs-blast-bad-')), 'corrupt.json');
    writeFileSync(file, '{"schema":"sqs-blast/result@1", "kind": ');
    const run = await runCli(['report', file]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`sqs-blast: report: ${file} holds no sqs-blast result (a JSON file from --out, or SQS_BLAST_RESULT lines)`);
  });

  it('missing credentials for a real AWS endpoint (no network touched)', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const home = mkdtempSync(join(tmpdir(), 'sqs-blast-home-'));
    const run = await runCli(['send', '--queue-url', 'https://sqs.us-east-1.amazonaws.com/123456789012/load', '--total', '10'], {
      env: {
        HOME: home,
        AWS_EC2_METADATA_DISABLED: 'true', // never ask an instance metadata service from here
        AWS_CONFIG_FILE: join(home, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
      },
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/^sqs-blast: no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/);
  });

  it('an unknown SQS_BLAST_ variable is a typo, not silently ignored', async () => {
    const run = await runCli(['send', '--local'], { env: { SQS_BLAST_TOTL: '5' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/SQS_BLAST_TOTL is not a sqs-blast setting/);
  });

  it('a bad value from the environment names the variable', async () => {
    const run = await runCli(['send', '--local'], { env: { SQS_BLAST_BATCH_SIZE: '0' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--batch-size \(env SQS_BLAST_BATCH_SIZE\)/);
  });
});
