/** HTTPS_PROXY / HTTP_PROXY / NO_PROXY as the AWS CLI (botocore, via Python's urllib) reads them. */
import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyFor } from '../src/proxy-env.js';

describe('which proxy an endpoint goes through', () => {
  it('takes HTTPS_PROXY for https and HTTP_PROXY for http, the lower-case variable winning; no scheme means http://', () => {
    const env = { HTTPS_PROXY: 'http://upper:3128', https_proxy: 'lower:3128', HTTP_PROXY: 'http://plain:8080' };
    expect(proxyFor('https://sqs.us-east-1.amazonaws.com', env)).toBe('http://lower:3128');
    expect(proxyFor('http://127.0.0.1:4566', env)).toBe('http://plain:8080');
    expect(proxyFor('https://sqs.us-east-1.amazonaws.com', { HTTP_PROXY: 'http://plain:8080' })).toBeUndefined();
    // An empty lower-case variable turns the proxy off, as in urllib.
    expect(proxyFor('https://sqs.us-east-1.amazonaws.com', { HTTPS_PROXY: 'http://upper:3128', https_proxy: '' })).toBeUndefined();
    expect(proxyFor('https://x.example', { HTTPS_PROXY: 'http://u:p%40w@proxy:3128' })).toBe('http://u:p%40w@proxy:3128');
  });

  it.each([
    ['sqs.us-east-1.amazonaws.com', 'amazonaws.com', true],
    ['sqs.us-east-1.amazonaws.com', '.amazonaws.com', true],
    ['sqs.us-east-1.amazonaws.com', 'example.com, .us-east-1.amazonaws.com', true],
    ['sqs.us-east-1.amazonaws.com', 'notamazonaws.com', false],
    ['myamazonaws.com', 'amazonaws.com', false],
    ['sqs.us-east-1.amazonaws.com', '*', true],
    ['127.0.0.1:4566', '127.0.0.1', true],
    ['127.0.0.1:4566', '127.0.0.1:4566', true],
    ['127.0.0.1:4566', '127.0.0.1:9999', false],
    ['127.0.0.1:4566', 'localhost', false],
    ['localhost:4566', '', false],
    ['SQS.US-EAST-1.AMAZONAWS.COM', 'AmazonAWS.com', true],
  ])('%s with NO_PROXY=%j: exempt %s', (host, noProxy, exempt) => {
    expect(bypassesProxy(host, noProxy)).toBe(exempt);
  });

  it('does not exempt loopback unless NO_PROXY lists it (botocore’s rule)', () => {
    expect(proxyFor('http://127.0.0.1:4566', { HTTP_PROXY: 'http://p:1' })).toBe('http://p:1');
    expect(proxyFor('http://127.0.0.1:4566', { HTTP_PROXY: 'http://p:1', no_proxy: '127.0.0.1' })).toBeUndefined();
    expect(proxyFor('http://127.0.0.1:4566', { HTTP_PROXY: 'http://p:1', NO_PROXY: '127.0.0.1' })).toBeUndefined();
  });

  it('refuses what it cannot use: one line naming the variable', () => {
    expect(() => proxyFor('https://x.example', { HTTPS_PROXY: 'https://secure-proxy:443' })).toThrow(/^HTTPS_PROXY must be an http:\/\/ proxy \(got "https:\/\/secure-proxy:443"\)/);
    expect(() => proxyFor('https://x.example', { https_proxy: 'http://[bad' })).toThrow(/^https_proxy is not a URL/);
  });
});
