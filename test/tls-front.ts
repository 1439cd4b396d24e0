/**
 * A TLS front on loopback before the test server, with a fresh self-signed certificate (openssl),
 * as real SQS is reached over HTTPS: the CLI trusts it through NODE_EXTRA_CA_CERTS as a user would.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

export const hasOpenssl = existsSync('/usr/bin/openssl');

export interface TlsFront {
  /** https://HOST:PORT */
  endpoint: string;
  /** The certificate to trust (NODE_EXTRA_CA_CERTS). */
  certPath: string;
  close(): Promise<void>;
}

/** `host`: the name the endpoint uses (the certificate covers localhost and 127.0.0.1). */
export async function startTlsFront(upstream: string, host: 'localhost' | '127.0.0.1'): Promise<TlsFront> {
  const dir = mkdtempSync(join(tmpdir(), 'sqs-blast-tls-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '1', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
  const target = new URL(upstream);
  const front = tls.createServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) }, (secure) => {
    const plain = net.connect({ host: target.hostname, port: Number(target.port) });
    const close = () => (secure.destroy(), plain.destroy());
    secure.on('error', close).on('close', close);
    plain.on('error', close).on('close', close);
    secure.pipe(plain).pipe(secure);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  return {
    endpoint: `https://${host}:${(front.address() as net.AddressInfo).port}`,
    certPath,
    close: () => new Promise<void>((r) => front.close(() => r())),
  };
}
