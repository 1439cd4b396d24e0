/**
 * Signing as AWS checks it, through a front that verifies SigV4 before fauxqs sees a request
 * (test/verifying-sqs.ts): a clock 15 minutes off, and credentials that expire every 20 s.
 */
import { CreateQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { SqsError } from '../src/errors.js';
import { LocalClockOffset } from '../src/sqs/clock-offset.js';
import { SqsWire } from '../src/sqs/wire.js';
import { endpoint, resultFrom, runCli, uniquePrefix } from './helpers.js';
import { startVerifyingSqs, type VerifyingSqs } from './verifying-sqs.js';

const FIFTEEN_MINUTES = 15 * 60_000;
const tmp = mkdtempSync(join(tmpdir(), 'sqs-blast-verify-'));

/** The CLI's dummy keys for loopback endpoints (config.ts): the front accepts them like any registered key. */
const DUMMY = { sqsblast: { secretAccessKey: 'sqsblast' } };

describe('the verifying front', () => {
  let front: VerifyingSqs;
  beforeAll(async () => {
    front = await startVerifyingSqs({ upstream: endpoint(), keys: { ...DUMMY, AKGOOD: { secretAccessKey: 'good' }, ASIASESSION: { secretAccessKey: 's', sessionToken: 'tok' } } });
  });
  afterAll(() => front.stop());

  const sdkWith = (accessKeyId: string, secretAccessKey: string, sessionToken?: string, systemClockOffset?: number) =>
    new SQSClient({ endpoint: front.endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey, sessionToken }, maxAttempts: 1, systemClockOffset });

  it('passes what the SDK signs and refuses a wrong secret, an unknown key, a missing token and a stale date as AWS does', async () => {
    const name = uniquePrefix('vf');
    await sdkWith('AKGOOD', 'good').send(new CreateQueueCommand({ QueueName: name }));
    await sdkWith('ASIASESSION', 's', 'tok').send(new GetQueueUrlCommand({ QueueName: name }));
    const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => e.name);
    expect(await codeOf(sdkWith('AKGOOD', 'wrong').send(new GetQueueUrlCommand({ QueueName: name })))).toBe('InvalidSignatureException');
    expect(await codeOf(sdkWith('AKNOBODY', 'x').send(new GetQueueUrlCommand({ QueueName: name })))).toBe('InvalidClientTokenId');
    expect(await codeOf(sdkWith('ASIASESSION', 's').send(new GetQueueUrlCommand({ QueueName: name })))).toBe('InvalidClientTokenId');
    // Signed 10 minutes behind the front's clock, and the SDK not allowed a second attempt to correct it.
    expect(await codeOf(sdkWith('AKGOOD', 'good', undefined, -10 * 60_000).send(new GetQueueUrlCommand({ QueueName: name })))).toBe('InvalidSignatureException');
  });

  it('lean wire: a skew refusal sets the one shared offset and the call is retried; a wrong secret is not taken for a skew', async () => {
    const name = uniquePrefix('vw');
    const url = (await sdkWith('AKGOOD', 'good').send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    front.clockOffsetMs = FIFTEEN_MINUTES;
    try {
      const conn = resolveConfig('send', { endpoint: front.endpoint }, {}).connection;
      const clock = new LocalClockOffset();
      const recovered: string[] = [];
      const wires = [0, 1].map(() => new SqsWire(conn, 2, undefined, { clock, onRecovered: (c) => recovered.push(c) }));
      const body = JSON.stringify({ QueueUrl: url, Entries: [{ Id: '0', MessageBody: 'x' }] });
      const replies = await Promise.all(wires.map((w) => w.call<{ Successful: unknown[] }>('SendMessageBatch', body)));
      expect(replies.map((r) => r.Successful.length)).toEqual([1, 1]);
      expect(Math.abs(clock.get() - FIFTEEN_MINUTES)).toBeLessThan(3000);
      expect(recovered).toEqual(['InvalidSignatureException', 'InvalidSignatureException']);
      for (const w of wires) w.close();

      const wrong = new SqsWire({ ...conn, staticCredentials: { accessKeyId: 'AKGOOD', secretAccessKey: 'wrong' } }, 1, undefined, { clock });
      const err = await wrong.call('SendMessageBatch', body).catch((e: SqsError) => e);
      wrong.close();
      expect(err).toBeInstanceOf(SqsError);
      expect((err as SqsError).code).toBe('InvalidSignatureException');
      expect(Math.abs(clock.get() - FIFTEEN_MINUTES)).toBeLessThan(3000);
    } finally {
      front.clockOffsetMs = 0;
    }
  });

  it('lean wire: credentials the front calls expired are renewed with one forced refresh and the call retried', async () => {
    const name = uniquePrefix('vr');
    const url = (await sdkWith('AKGOOD', 'good').send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    // The client holds ASIAOLD with no expiry of its own: only the front's refusal says it ran out.
    front.keys.set('ASIAOLD', { secretAccessKey: 'old', sessionToken: 'old', expiresAt: Date.now() - 1000 });
    front.keys.set('ASIANEW', { secretAccessKey: 'new', sessionToken: 'new' });
    const asked: unknown[] = [];
    const conn = resolveConfig('send', { endpoint: front.endpoint }, {}).connection;
    let refreshes = 0;
    const wire = new SqsWire(conn, 1, undefined, { onRefresh: () => refreshes++ });
    // A provider like the SDK chain's: cached until told to refresh.
    (wire as unknown as { signer: { provider: unknown } }).signer.provider = async (o?: { forceRefresh?: boolean }) => (
      asked.push(o), o?.forceRefresh ? { accessKeyId: 'ASIANEW', secretAccessKey: 'new', sessionToken: 'new' } : { accessKeyId: 'ASIAOLD', secretAccessKey: 'old', sessionToken: 'old' }
    );
    const reply = await wire.call<{ Successful: unknown[] }>('SendMessageBatch', JSON.stringify({ QueueUrl: url, Entries: [{ Id: '0', MessageBody: 'x' }] }));
    wire.close();
    expect(reply.Successful).toHaveLength(1);
    expect(asked).toEqual([undefined, { forceRefresh: true }]);
    expect(refreshes).toBe(1);
  });
});

describe('the CLI through the verifying front', () => {
  it('with the front 15 minutes ahead: send --total 2000 and drain succeed, nothing failed, the offset reported', async () => {
    const front = await startVerifyingSqs({ upstream: endpoint(), keys: DUMMY, clockOffsetMs: FIFTEEN_MINUTES });
    try {
      const prefix = uniquePrefix('skew');
      const common = ['--endpoint', front.endpoint, '--region', 'us-east-1', '--queues', '2', '--queue-prefix', prefix, '--json', '--quiet'];
      const [out, html] = [join(tmp, 'skew-send.json'), join(tmp, 'skew-send.html')];
      const send = await runCli(['send', ...common, '--create-queues', '--total', '2000', '--message-size', '1024', '--out', out, '--html', html]);
      expect(send.code).toBe(0);
      // The summary (on stderr beside --json) names the clock.
      expect(send.stderr).toMatch(/^clock +this machine's clock is (89|90)\d\.\d s behind SQS's/m);
      const s = resultFrom(send.stdout);
      expect(s).toMatchObject({ sent: 2000, failed: 0 });
      expect(Math.abs(s.clockOffsetMs! - FIFTEEN_MINUTES)).toBeLessThan(3000);
      // Setup's SDK client met the skew first (its first call refused, then signed at the offset it
      // learned); the lanes started on that offset, so no hot call was refused.
      expect(s.errors).toEqual({});
      const afterSend = front.refused.InvalidSignatureException;
      expect(afterSend).toBeGreaterThan(0);
      // The HTML report's facts and compare name it too; compare only when either side was off.
      expect(readFileSync(html, 'utf8')).toMatch(/<div class="v">(89|90)\d\.\d s behind SQS<\/div><div class="k">this machine's clock<\/div>/);
      const synced = join(tmp, 'synced-send.json');
      writeFileSync(synced, JSON.stringify({ ...JSON.parse(readFileSync(out, 'utf8')), clockOffsetMs: undefined }));
      const cmp = await runCli(['compare', synced, out]);
      expect(cmp.code, cmp.stderr).toBe(0);
      expect(cmp.stdout).toMatch(/^clock off by s +0\.00 +(89|90)\d +\+∞% +▼ worse$/m);
      expect((await runCli(['compare', synced, synced])).stdout).not.toMatch(/clock/);
      const drain = await runCli(['drain', ...common, '--expect', '2000', '--wait-time', '1']);
      expect(drain.code).toBe(0);
      const d = resultFrom(drain.stdout);
      expect(d).toMatchObject({ received: 2000, deleted: 2000, missing: 0, failed: 0, deleteFailed: 0, errors: {} });
      expect(Math.abs(d.clockOffsetMs! - FIFTEEN_MINUTES)).toBeLessThan(3000);
      // The drain's setup met it again, as few times as the send's: the pollers were never refused.
      expect(front.refused.InvalidSignatureException - afterSend).toBeLessThanOrEqual(afterSend);
    } finally {
      await front.stop();
    }
  }, 120_000);

  // Issue #22 asks for 90 s; CI runs 45 s (over two key lifetimes, so each thread renews more than
  // once) to keep the suite short, and the 90 s run is made by hand with CREDENTIAL_RUN_SECONDS=90
  // (bench/NOTES.md, "Credentials in a long run", has its command and output).
  const RUN_SECONDS = Number(process.env.CREDENTIAL_RUN_SECONDS ?? 45);
  it(`a credential_process profile whose keys last 20 s carries a ${RUN_SECONDS} s paced run: refreshes counted, nothing failed`, async () => {
    const keysFile = join(tmp, 'keys.jsonl');
    writeFileSync(keysFile, '');
    const script = join(tmp, 'creds.mjs');
    // Each call hands out a new session key, valid 20 s, and registers it with the front first.
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
const key = { accessKeyId: 'ASIA' + randomBytes(8).toString('hex').toUpperCase(), secretAccessKey: randomBytes(20).toString('base64'), sessionToken: randomBytes(32).toString('base64'), expiration: new Date(Date.now() + 20_000).toISOString() };
appendFileSync(${JSON.stringify(keysFile)}, JSON.stringify(key) + '\\n');
process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, SessionToken: key.sessionToken, Expiration: key.expiration }));
`,
    );
    chmodSync(script, 0o755);
    const config = join(tmp, 'config');
    writeFileSync(config, `[profile blast]\ncredential_process = "${process.execPath}" "${script}"\n`);
    const credentials = join(tmp, 'credentials');
    writeFileSync(credentials, '');
    const front = await startVerifyingSqs({ upstream: endpoint(), keysFile });
    try {
      const prefix = uniquePrefix('creds');
      // AWS_PROFILE makes a loopback endpoint use the credential chain instead of the dummy keys
      // (config.ts): the front knows no dummy key, so a call signed with one would be refused.
      const env = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_PROFILE: 'blast', AWS_EC2_METADATA_DISABLED: 'true' };
      const run = await runCli(
        ['run', '--endpoint', front.endpoint, '--region', 'us-east-1', '--queues', '2', '--queue-prefix', prefix, '--create-queues', '--rate', '100', '--duration', String(RUN_SECONDS), '--message-size', '1024', '--json', '--quiet'],
        { env, timeoutMs: (RUN_SECONDS + 75) * 1000 },
      );
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/^credentials refreshed \d+ times/m);
      const r = resultFrom(run.stdout);
      expect(r.failed).toBe(0);
      expect(r.missing).toBe(0);
      // 100 msg/s paced: all but the start-up's few seconds of the duration.
      expect(r.sent).toBeGreaterThan(100 * (RUN_SECONDS - 5));
      console.log(`credential_process run: ${RUN_SECONDS} s, sent ${r.sent}, received ${r.received}, failed ${r.failed}, missing ${r.missing}, credentialRefreshes ${r.credentialRefreshes}, keys issued ${readFileSync(keysFile, 'utf8').trim().split('\n').length}, keys signed ${front.keysUsed.size}, refused ${JSON.stringify(front.refused)}, errors ${JSON.stringify(r.errors)}`);
      expect(r.credentialRefreshes).toBeGreaterThan(0);
      // Many keys signed (each lived 20 s), none of them a dummy; no call failed on an expired one.
      expect(front.keysUsed.size).toBeGreaterThan(RUN_SECONDS / 20);
      expect([...front.keysUsed].every((k) => k.startsWith('ASIA'))).toBe(true);
      expect(readFileSync(keysFile, 'utf8').trim().split('\n').length).toBeGreaterThan(3);
    } finally {
      await front.stop();
    }
  }, (RUN_SECONDS + 100) * 1000);
});
