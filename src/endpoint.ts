/** Endpoint URLs: one check for --endpoint, AWS_ENDPOINT_URL_* and S3 locations alike. */
import { UsageError } from './errors.js';

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\./.test(h);
}

export function validateEndpoint(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${source} is not a URL (got ${JSON.stringify(raw)}); use e.g. http://127.0.0.1:4566`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source} must be an http:// or https:// URL (got ${JSON.stringify(raw)})`);
  }
  return url.origin;
}
