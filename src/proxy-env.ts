/**
 * Which proxy a request to an endpoint goes through, by the rules the AWS CLI follows (botocore
 * takes Python's urllib.request.getproxies / proxy_bypass_environment): HTTPS_PROXY for https
 * endpoints, HTTP_PROXY for http ones, either case with the lower-case variable winning (an empty
 * lower-case one turns the proxy off); a proxy without a scheme is http://. NO_PROXY (either case)
 * is a comma list: `*` exempts every host; an entry, leading dots ignored, exempts that host and
 * its subdomains (`amazonaws.com` and `.amazonaws.com` both exempt `sqs.us-east-1.amazonaws.com`),
 * and `host:port` that host on that port only. Like botocore (and unlike curl's rules in some
 * tools), loopback is not exempt unless listed, and there is no CIDR matching.
 *
 * Pure: the main thread decides once per endpoint and hands the answer to the workers and the
 * SDK clients' agents (proxy-agents.ts).
 */
import { UsageError } from './errors.js';

type Env = Record<string, string | undefined>;

/** `name` (e.g. 'https', 'no') from NAME_PROXY / name_proxy, the lower-case one winning. */
function variable(env: Env, name: string): { key: string; value: string } | undefined {
  const lower = `${name}_proxy`;
  if (env[lower] !== undefined) return env[lower] ? { key: lower, value: env[lower]! } : undefined;
  const upper = lower.toUpperCase();
  return env[upper] ? { key: upper, value: env[upper]! } : undefined;
}

/** Whether NO_PROXY exempts `host` (host name, or host:port as in the URL's authority). */
export function bypassesProxy(authority: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  if (noProxy.trim() === '*') return true;
  const host = authority.toLowerCase();
  const hostOnly = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  for (const raw of noProxy.split(',')) {
    const name = raw.trim().replace(/^\.+/, '').toLowerCase();
    if (!name) continue;
    if (hostOnly === name || host === name) return true;
    if (hostOnly.endsWith('.' + name) || host.endsWith('.' + name)) return true;
  }
  return false;
}

/** The proxy URL (userinfo kept) for requests to `endpoint`, or undefined for none. */
export function proxyFor(endpoint: string, env: Env = process.env): string | undefined {
  const url = new URL(endpoint);
  const chosen = variable(env, url.protocol === 'https:' ? 'https' : 'http');
  if (!chosen) return undefined;
  if (bypassesProxy(url.host, variable(env, 'no')?.value)) return undefined;
  const raw = /^[a-z][a-z0-9+.-]*:\/\//i.test(chosen.value) ? chosen.value : `http://${chosen.value}`;
  let proxy: URL;
  try {
    proxy = new URL(raw);
  } catch {
    throw new UsageError(`${chosen.key} is not a URL (got ${JSON.stringify(chosen.value)}); use e.g. http://proxy.example:3128`);
  }
  if (proxy.protocol !== 'http:') {
    throw new UsageError(`${chosen.key} must be an http:// proxy (got ${JSON.stringify(chosen.value)}): TLS to the proxy itself is not supported; https endpoints are still tunnelled through an http:// proxy with CONNECT`);
  }
  return proxy.href.replace(/\/$/, '');
}
