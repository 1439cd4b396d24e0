/**
 * Where the hot path sends and for which region it signs: the SQS client's own endpoint
 * resolution (FIPS, dual-stack, China, configured endpoints) handed to the lean path, and every
 * documented SQS host form read for its region. No traffic: the resolver stops before sending.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { regionFromQueueUrl, regionOfSqsHost } from '../src/config/queue-url.js';
import { resolveEndpoint, sdkEndpoint } from '../src/sqs/endpoint-rules.js';
import { SqsWire } from '../src/sqs/wire.js';

const KEYS = ['AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL', 'AWS_CONFIG_FILE', 'AWS_PROFILE', 'AWS_REGION'];
const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
const setEnv = (vars: Record<string, string>) => {
  for (const k of KEYS) delete process.env[k];
  Object.assign(process.env, vars);
};

describe('the SQS client’s endpoint resolution, as the hot path gets it', () => {
  it('follows the ruleset: regional, FIPS, dual-stack, both, China', async () => {
    setEnv({});
    expect(await sdkEndpoint('eu-west-1')).toBe('https://sqs.eu-west-1.amazonaws.com');
    setEnv({ AWS_USE_FIPS_ENDPOINT: 'true' });
    expect(await sdkEndpoint('us-east-1')).toBe('https://sqs-fips.us-east-1.amazonaws.com');
    setEnv({ AWS_USE_DUALSTACK_ENDPOINT: 'true' });
    expect(await sdkEndpoint('us-east-1')).toBe('https://sqs.us-east-1.api.aws');
    setEnv({ AWS_USE_DUALSTACK_ENDPOINT: 'true', AWS_USE_FIPS_ENDPOINT: 'true' });
    expect(await sdkEndpoint('us-east-1')).toBe('https://sqs-fips.us-east-1.api.aws');
    setEnv({});
    expect(await sdkEndpoint('cn-north-1')).toBe('https://sqs.cn-north-1.amazonaws.com.cn');
  });

  it('takes configured endpoints in the SDK’s order: AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, a profile’s services section, its endpoint_url', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqs-blast-endpoint-'));
    const top = join(dir, 'top');
    writeFileSync(top, '[profile p]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:7001\n');
    const services = join(dir, 'services');
    writeFileSync(services, '[profile p]\nendpoint_url = http://127.0.0.1:7001\nservices = s\n\n[services s]\nsqs =\n  endpoint_url = http://127.0.0.1:7002\n');
    setEnv({ AWS_CONFIG_FILE: top, AWS_PROFILE: 'p' });
    expect(await sdkEndpoint('us-east-1')).toBe('http://127.0.0.1:7001');
    setEnv({ AWS_CONFIG_FILE: top, AWS_PROFILE: 'p', AWS_ENDPOINT_URL: 'http://127.0.0.1:7003' });
    expect(await sdkEndpoint('us-east-1')).toBe('http://127.0.0.1:7003');
    setEnv({ AWS_CONFIG_FILE: services, AWS_PROFILE: 'p' });
    expect(await sdkEndpoint('us-east-1')).toBe('http://127.0.0.1:7002');
    setEnv({ AWS_CONFIG_FILE: services, AWS_PROFILE: 'p', AWS_ENDPOINT_URL: 'http://127.0.0.1:7003', AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:7004' });
    expect(await sdkEndpoint('us-east-1')).toBe('http://127.0.0.1:7004');
  });

  it('sends a queue URL’s calls to its host (as the SQS client does, over configured endpoints); --endpoint beats it', async () => {
    setEnv({ AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:7004' });
    expect(await sdkEndpoint('us-east-1', 'https://sqs.eu-west-1.amazonaws.com/123/q')).toBe('https://sqs.eu-west-1.amazonaws.com');
    expect(await sdkEndpoint('us-east-1', 'https://sqs.eu-west-1.amazonaws.com/123/q', 'http://127.0.0.1:7005')).toBe('http://127.0.0.1:7005');
  });
});

describe('a queue URL’s region', () => {
  it.each([
    ['https://sqs.eu-west-1.amazonaws.com/123456789012/q', 'eu-west-1'],
    ['https://eu-central-1.queue.amazonaws.com/123456789012/q', 'eu-central-1'],
    ['https://queue.amazonaws.com/123456789012/q', 'us-east-1'],
    ['https://sqs-fips.us-gov-west-1.amazonaws.com/123456789012/q', 'us-gov-west-1'],
    ['https://sqs-fips.us-east-2.amazonaws.com/123456789012/q', 'us-east-2'],
    ['https://sqs.ap-southeast-2.api.aws/123456789012/q', 'ap-southeast-2'],
    ['https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q', 'cn-north-1'],
    ['https://cn-northwest-1.queue.amazonaws.com.cn/123456789012/q', 'cn-northwest-1'],
    ['https://sqs.cn-north-1.api.amazonwebservices.com.cn/123456789012/q.fifo', 'cn-north-1'],
    ['https://vpce-0123456789abcdef0-abcdefgh.sqs.us-west-2.vpce.amazonaws.com/123456789012/q', 'us-west-2'],
    ['https://vpce-0123456789abcdef0-abcdefgh-us-west-2a.sqs.us-west-2.vpce.amazonaws.com/123456789012/q', 'us-west-2'],
    ['http://127.0.0.1:4566/000000000000/q', undefined],
    ['https://sqs.eu-west-1.amazonaws.com.evil.example/123/q', undefined],
  ])('%s is in %s', (url, region) => {
    expect(regionFromQueueUrl(url)).toBe(region);
  });

  it('reads a VPC endpoint given as --endpoint for its region when none is set', () => {
    expect(regionOfSqsHost('vpce-0abc-xyz.sqs.ap-south-1.vpce.amazonaws.com')).toBe('ap-south-1');
    const c = resolveConfig('send', { endpoint: 'https://vpce-0abc-xyz.sqs.ap-south-1.vpce.amazonaws.com' }, {});
    expect(c.connection.region).toBe('ap-south-1');
  });

  it('beats AWS_REGION, and the lean path signs for it and sends to its host', async () => {
    setEnv({ AWS_REGION: 'us-east-1' });
    const c = resolveConfig('send', { queueUrl: ['https://sqs.eu-west-1.amazonaws.com/123/q'] }, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    expect(c.connection.region).toBe('eu-west-1');
    await resolveEndpoint(c.connection, c.queues.urls![0]);
    expect([c.connection.endpoint, c.connection.endpointSource]).toEqual(['https://sqs.eu-west-1.amazonaws.com', 'queue URL']);
    const wire = new SqsWire({ ...c.connection, staticCredentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } }, 1);
    try {
      const head = await wire['signer'].head('AmazonSQS.SendMessageBatch', Buffer.from('{}'));
      expect(head).toMatch(/^host: sqs\.eu-west-1\.amazonaws\.com\r$/m);
      expect(head).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sqs\/aws4_request/);
    } finally {
      wire.close();
    }
  });

  it('refuses a --region that contradicts the queue URL, and queues in two regions: one line each', () => {
    expect(() => resolveConfig('send', { queueUrl: ['https://sqs.eu-west-1.amazonaws.com/123/q'], region: 'us-east-1' }, {})).toThrow(
      /^--region us-east-1 contradicts --queue-url, whose queue is in eu-west-1: drop --region/,
    );
    expect(() => resolveConfig('send', { queueUrl: ['https://sqs.eu-west-1.amazonaws.com/123/a', 'https://sqs.us-east-2.amazonaws.com/123/b'] }, {})).toThrow(
      /--queue-url names queues in eu-west-1 and us-east-2: a run signs for one region/,
    );
  });
});
