// A TLS-terminating front on loopback, as real SQS is HTTPS only and fauxqs speaks plain HTTP:
// node bench/tls-front.mjs TARGET_PORT CERT_PEM KEY_PEM. Each TLS connection gets its own TCP
// connection to the target and bytes are piped both ways, so keep-alive and pipelining behave as
// without the front. A process of its own: its crypto runs on a core of its own, and a client's
// CPU is measured without it. Prints "ready PORT".
// The client's offer decides the cipher (Node's server takes the client's order); TLS_FRONT_CIPHERS
// narrows what the front accepts, to measure one suite against another.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

const [target, certPath, keyPath] = process.argv.slice(2);
const server = tls.createServer(
  {
    cert: readFileSync(certPath),
    key: readFileSync(keyPath),
    ...(process.env.TLS_FRONT_CIPHERS ? { ciphers: process.env.TLS_FRONT_CIPHERS } : {}),
  },
  (secure) => {
    const plain = net.connect({ host: '127.0.0.1', port: Number(target) });
    secure.setNoDelay(true);
    plain.setNoDelay(true);
    const close = () => (secure.destroy(), plain.destroy());
    secure.on('error', close).on('close', close);
    plain.on('error', close).on('close', close);
    secure.pipe(plain);
    plain.pipe(secure);
  },
);
server.listen(0, '127.0.0.1', () => process.stdout.write(`ready ${/** @type {import('node:net').AddressInfo} */ (server.address()).port}\n`));
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
