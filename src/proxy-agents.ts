/**
 * Agents for the SDK clients (SQS setup, S3 results) that honour HTTPS_PROXY / HTTP_PROXY /
 * NO_PROXY as the hot path does (proxy-env.ts decides, once per client, for its endpoint).
 * https-proxy-agent (CONNECT tunnel) and http-proxy-agent (absolute-form), both from
 * TooTallNate/proxy-agents, the agents most of npm uses for this: a tunnel written here would be a
 * second one to keep correct, for traffic that is not hot.
 */
import { Agent as HttpAgent, type AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { proxyFor } from './proxy-env.js';

/** `direct`: never through a proxy (the embedded server of --local is this process's own). */
export function agentsFor(endpoint: string, options: AgentOptions = {}, direct = false): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  if (direct) return { httpAgent: new HttpAgent(options), httpsAgent: new HttpsAgent(options) };
  const host = new URL(endpoint).host;
  const viaHttp = proxyFor(`http://${host}`);
  const viaHttps = proxyFor(`https://${host}`);
  return {
    httpAgent: viaHttp ? new HttpProxyAgent(viaHttp, options) : new HttpAgent(options),
    httpsAgent: viaHttps ? (new HttpsProxyAgent(viaHttps, options) as unknown as HttpsAgent) : new HttpsAgent(options),
  };
}
