/**
 * Where requests go and whose keys sign them, for both the SDK client (client.ts) and the lean
 * wire path (wire.ts). Kept apart from the SDK client so a worker thread never loads it: the
 * client and its chain cost ~250 ms of CPU per thread to import, a visible share of a short run.
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Connection } from '../config.js';

export function endpointOf(conn: Pick<Connection, 'endpoint' | 'region'>): string {
  return conn.endpoint ?? `https://sqs.${conn.region}.amazonaws.com`;
}

export function credentialProvider(conn: Pick<Connection, 'staticCredentials'>): AwsCredentialIdentityProvider {
  const fixed = conn.staticCredentials;
  if (fixed) return async () => fixed;
  // The SDK's default chain (env, profile, IRSA / Pod Identity, IMDS), loaded on first use. The
  // options carry { forceRefresh } through: the chain then loads anew instead of answering from
  // its cache (sigv4.ts asks for that when AWS calls the credentials expired).
  let chain: AwsCredentialIdentityProvider | undefined;
  return async (options) => {
    chain ??= (await import('@aws-sdk/credential-provider-node')).defaultProvider();
    return chain(options);
  };
}
