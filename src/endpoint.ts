/** Endpoint URLs: one check for --endpoint, AWS_ENDPOINT_URL_* and S3 locations alike. */
import { UsageError } from './errors.js';

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\./.test(h);
}

/**
 * Whether the environment names the credentials to use: keys, or a profile. Loopback endpoints
 * (emulators, which accept any key) get dummy keys unless it does; a profile named on purpose
 * (AWS_PROFILE) is then used, so that a local front that checks signatures, or a tunnel to a
 * real endpoint, sees the chain's own credentials (credential_process, SSO, role sessions).
 */
export function credentialsNamed(env: NodeJS.ProcessEnv): boolean {
  return Boolean((env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) || env.AWS_PROFILE);
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
