// A forward proxy for the bench (node bench/proxy.mjs PORT; prints "ready PORT"): CONNECT tunnels
// and absolute-form requests, piped and not counted, so the client's CPU through a proxy can be
// compared with the direct run (npm run bench -- --proxy). test/connect-proxy.ts is the counting one.
import http from 'node:http';
import net from 'node:net';

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const server = http.createServer((req, res) => {
  const target = new URL(req.url ?? '/', 'http://invalid');
  const up = http.request({ agent, host: target.hostname, port: target.port || 80, method: req.method, path: target.pathname + target.search, headers: req.headers }, (reply) => {
    res.writeHead(reply.statusCode ?? 502, reply.headers);
    reply.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
});
server.keepAliveTimeout = 60_000;
server.on('connect', (req, client, head) => {
  const [host, port] = (req.url ?? '').split(':');
  const upstream = net.connect({ host, port: Number(port) }, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(client).pipe(upstream);
  });
  const close = () => (client.destroy(), upstream.destroy());
  upstream.on('error', close);
  client.on('error', close);
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => process.stdout.write(`ready ${/** @type {import("node:net").AddressInfo} */ (server.address()).port}\n`));
process.on('SIGTERM', () => process.exit(0));
