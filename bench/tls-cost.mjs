// Where TLS spends, measured apart from SQS and its server:
//   node bench/tls-cost.mjs [--runs 3] [--requests 10000] [--only REGEX]
// 1. The AEAD alone: node:crypto sealing 16 KB records (TLS's largest), µs per 10 KB.
// 2. A handshake: the client's CPU per connection opened to the TLS sink, a full handshake
//    against one resumed from the previous connection's session ticket.
// 3. A send's and a drain's bytes over loopback to a sink in a process of its own, 64 keep-alive
//    connections: a send writes a ~1 KB head and a 102,740-byte body (10 x 10 KB) and gets a 1 KB
//    reply; a drain writes 1 KB and gets a 103 KB reply. The client's CPU per 10 KB message from
//    its first request (handshakes done). Each variant changes one thing against what http1 does
//    today (transport, cipher, how a request is written, how replies are read); variants run
//    interleaved, each round starting at another, `--runs` rounds, each in a fresh process.
// Prints markdown tables: median and range per variant.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : def);
const HEAD_BYTES = 1000;
const MESSAGES_PER_REQUEST = 10;
const reply = (bodyBytes) => Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${bodyBytes}\r\n\r\n${'r'.repeat(bodyBytes)}`);
// Request body bytes and reply for each shape (a send's 10 x 10 KB out, a drain's 10 x 10 KB in).
const SHAPES = {
  send: { body: 102_740, reply: reply(900) },
  drain: { body: 200, reply: reply(103_000) },
};

// How a request goes out. `corked`: head string and body buffer corked into one writev (http1
// today for bodies over 8 KB). `kept`: both copied into a buffer kept per connection, one write.
// `prebuilt`: one ready buffer, no copy at all (the floor's shape). `two writes`: uncorked.
const WRITES = {
  corked: (s, head, body) => (s.cork(), s.write(head, 'latin1'), s.write(body), s.uncork()),
  kept: (s, head, body, lane) => {
    const n = HEAD_BYTES + body.length;
    if (!lane.kept || lane.kept.length < n) lane.kept = Buffer.allocUnsafe(n);
    lane.kept.write(head, 0, 'latin1');
    body.copy(lane.kept, HEAD_BYTES);
    s.write(lane.kept.subarray(0, n));
  },
  prebuilt: (s, _head, _body, lane) => s.write(lane.prebuilt),
  'two writes': (s, head, body) => (s.write(head, 'latin1'), s.write(body)),
};

// name -> shape, transport, write, read ('onread': a static buffer; 'data': data events), options.
const TODAY = { write: 'corked' };
const ALL = {
  'send, plain (today)': { shape: 'send', tls: false, ...TODAY, read: 'onread' },
  'send, TLS (today: corked, data events)': { shape: 'send', tls: true, ...TODAY, read: 'data' },
  'send, TLS, one write from a kept buffer': { shape: 'send', tls: true, write: 'kept', read: 'data' },
  'send, TLS, reads into a static buffer': { shape: 'send', tls: true, ...TODAY, read: 'onread' },
  'send, TLS, kept buffer + static reads': { shape: 'send', tls: true, write: 'kept', read: 'onread' },
  'send, TLS, two writes': { shape: 'send', tls: true, write: 'two writes', read: 'data' },
  'send, TLS, AES-128-GCM': { shape: 'send', tls: true, ...TODAY, read: 'data', options: { ciphers: 'TLS_AES_128_GCM_SHA256' } },
  'send, TLS, CHACHA20-POLY1305': { shape: 'send', tls: true, ...TODAY, read: 'data', options: { ciphers: 'TLS_CHACHA20_POLY1305_SHA256' } },
  'send, TLS, writableHighWaterMark 1 MB': { shape: 'send', tls: true, ...TODAY, read: 'data', options: { highWaterMark: 1 << 20 } },
  'send, TLS, prebuilt request (floor)': { shape: 'send', tls: true, write: 'prebuilt', read: 'onread' },
  'drain, plain (today)': { shape: 'drain', tls: false, ...TODAY, read: 'onread' },
  'drain, TLS (today: data events)': { shape: 'drain', tls: true, ...TODAY, read: 'data' },
  'drain, TLS, reads into a static buffer': { shape: 'drain', tls: true, ...TODAY, read: 'onread' },
};

const [mode] = args;
if (mode === 'sink') {
  // Counts request bytes (every request of a shape has the same size) and answers each whole one.
  const [, shapeName, secure, certPath, keyPath] = args;
  const shape = SHAPES[shapeName];
  const requestBytes = HEAD_BYTES + shape.body;
  const onSocket = (socket) => {
    let have = 0;
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      for (have += d.length; have >= requestBytes; have -= requestBytes) socket.write(shape.reply);
    });
  };
  const server = secure === 'tls' ? tls.createServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) }, onSocket) : net.createServer(onSocket);
  server.listen(0, '127.0.0.1', () => process.stdout.write(`ready ${/** @type {import('node:net').AddressInfo} */ (server.address()).port}\n`));
} else if (mode === 'handshakes') {
  // handshakes PORT CA COUNT HOW: connections opened one after another, CPU per connection.
  // HOW: `ca` passes the CA on every connect (tls.connect builds a secure context each time);
  // `system` trusts it through NODE_EXTRA_CA_CERTS with no TLS options, as the CLI runs, and
  // `system context` so with one secure context made once;
  // `context` builds one secure context and passes it to every connect; `resume` also offers
  // the previous connection's session ticket.
  const [, port, caPath, count, how] = args;
  const ca = readFileSync(caPath);
  const context = tls.createSecureContext({ ca });
  const options = { ca: { ca }, system: {}, 'system context': { secureContext: tls.createSecureContext() }, context: { secureContext: context }, resume: { secureContext: context } }[how];
  const connect = (session) =>
    new Promise((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: Number(port), ...options, session });
      // TLS 1.3 tickets come after the handshake, read like data: when resuming, wait a moment
      // for a fresh one (idle time, no CPU), else keep offering the last.
      let ticket;
      const end = () => {
        const reused = s.isSessionReused(); // (asked before destroy, which forgets it)
        s.destroy();
        resolve({ ticket: ticket ?? session, reused });
      };
      s.on('session', (t) => (ticket ??= t));
      s.once('secureConnect', () => (s.resume(), how === 'resume' ? setTimeout(end, 20) : setImmediate(end)));
    });
  let { ticket } = await connect(); // (warm-up, and the first ticket)
  let reused = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < Number(count); i++) {
    const r = await connect(how === 'resume' ? ticket : undefined);
    ticket = r.ticket;
    reused += r.reused ? 1 : 0;
  }
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ usPerConnection: (cpu.user + cpu.system) / Number(count), reused }) + '\n');
  process.exit(0);
} else if (mode === 'client') {
  // One measurement in a process of its own: client VARIANT PORT CA REQUESTS
  const [, name, port, caPath, requests] = args;
  const v = ALL[name];
  const shape = SHAPES[v.shape];
  const head = `POST / HTTP/1.1\r\ncontent-length: ${shape.body}\r\nx-pad: `.padEnd(HEAD_BYTES - 4, 'h') + '\r\n\r\n';
  const body = Buffer.alloc(shape.body, 'x');
  const write = WRITES[v.write];
  const readBuffer = Buffer.allocUnsafe(256 * 1024);
  const lanes = Array.from({ length: 64 }, () => {
    const lane = { prebuilt: Buffer.concat([Buffer.from(head, 'latin1'), body]), kept: undefined, waiter: /** @type {((v?: unknown) => void) | undefined} */ (undefined), have: 0 };
    const got = (n) => {
      lane.have += n;
      if (lane.have >= shape.reply.length) (lane.have -= shape.reply.length), lane.waiter?.();
    };
    const options = { host: '127.0.0.1', port: Number(port), ...(v.read === 'onread' ? { onread: { buffer: readBuffer, callback: (n) => (got(n), true) } } : {}), ...v.options };
    const socket = v.tls ? tls.connect({ ...options, ca: readFileSync(caPath) }) : net.connect(options);
    if (v.read === 'data') socket.on('data', (d) => got(d.length));
    socket.setNoDelay(true);
    lane.socket = socket;
    lane.exchange = () => new Promise((r) => ((lane.waiter = r), write(socket, head, body, lane)));
    return lane;
  });
  await Promise.all(lanes.map((l) => new Promise((r) => l.socket.once(v.tls ? 'secureConnect' : 'connect', r))));
  const cipher = v.tls ? lanes[0].socket.getCipher().standardName : '-';
  const cpu0 = process.cpuUsage();
  let next = 0;
  await Promise.all(lanes.map(async (l) => { while (next++ < Number(requests)) await l.exchange(); }));
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ usPerMsg: (cpu.user + cpu.system) / (Number(requests) * MESSAGES_PER_REQUEST), cipher }) + '\n');
  process.exit(0);
} else {
  const RUNS = Number(opt('runs', 3));
  const REQUESTS = Number(opt('requests', 10_000));
  const ONLY = new RegExp(opt('only', '.'));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const cell = (xs) => `${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;

  const algs = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'];
  const aead = (alg) => {
    const c = crypto.createCipheriv(alg, crypto.randomBytes(alg === 'aes-128-gcm' ? 16 : 32), crypto.randomBytes(12), { authTagLength: 16 });
    const record = Buffer.alloc(16_384, 'x');
    const n = 10_000;
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) c.update(record);
    const t = process.cpuUsage(t0);
    return (t.user + t.system) / n / (16_384 / 10_240);
  };
  for (const a of algs) aead(a); // (a warm-up round, not counted)
  const aeadRuns = Object.fromEntries(algs.map((a) => [a, /** @type {number[]} */ ([])]));
  for (let r = 0; r < RUNS; r++) for (const a of algs) aeadRuns[a].push(aead(a));
  console.log(`AEAD alone (node:crypto, 16 KB records, OpenSSL ${process.versions.openssl}), µs per 10 KB, median of ${RUNS}:\n`);
  console.log('| cipher | µs/10 KB | range |\n| --- | ---: | ---: |');
  for (const a of algs) console.log(`| ${a} | ${cell(aeadRuns[a])} |`);

  const dir = mkdtempSync(join(tmpdir(), 'tls-cost-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const self = fileURLToPath(import.meta.url);
  const child = (argv) => spawn(process.execPath, [self, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sinks = {};
  for (const shape of Object.keys(SHAPES)) {
    for (const kind of ['plain', 'tls']) {
      const c = child(['sink', shape, kind, join(dir, 'cert.pem'), join(dir, 'key.pem')]);
      const port = await new Promise((r) => c.stdout.once('data', (d) => r(String(d).split(' ')[1].trim())));
      sinks[`${shape} ${kind}`] = { child: c, port };
    }
  }
  const HOWS = {
    ca: 'full, CA passed on each connect (a context per connect)',
    system: 'full, CA from NODE_EXTRA_CA_CERTS (a context per connect)',
    'system context': 'full, CA from NODE_EXTRA_CA_CERTS, one context for all',
    context: 'full, CA passed once, one context for all',
    resume: 'resumed from a ticket, one context for all',
  };
  const handshakes = (how) =>
    new Promise((resolve, reject) => {
      const env = how.startsWith('system') ? { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') } : process.env;
      const c = spawn(process.execPath, [self, 'handshakes', sinks['send tls'].port, join(dir, 'cert.pem'), '300', how], { stdio: ['ignore', 'pipe', 'inherit'], env });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`handshakes exited ${code}`))));
    });
  const hs = Object.fromEntries(Object.keys(HOWS).map((h) => [h, /** @type {number[]} */ ([])]));
  const reused = {};
  for (let r = 0; r < RUNS; r++) {
    for (const how of Object.keys(HOWS)) {
      const m = await handshakes(how);
      hs[how].push(m.usPerConnection);
      reused[how] = m.reused;
    }
  }
  console.log(`\nA TLS 1.3 handshake to the sink (P-256 certificate), client CPU µs per connection (300 in a row), median of ${RUNS}:\n`);
  console.log('| handshake | µs/connection | range | resumed of 300 |\n| --- | ---: | ---: | ---: |');
  for (const [how, label] of Object.entries(HOWS)) console.log(`| ${label} | ${cell(hs[how])} | ${reused[how]} |`);

  const measure = (name) =>
    new Promise((resolve, reject) => {
      const v = ALL[name];
      const c = child(['client', name, sinks[`${v.shape} ${v.tls ? 'tls' : 'plain'}`].port, join(dir, 'cert.pem'), String(REQUESTS)]);
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${name} exited ${code}`))));
    });
  const names = Object.keys(ALL).filter((n) => ONLY.test(n));
  const results = Object.fromEntries(names.map((n) => [n, /** @type {number[]} */ ([])]));
  const ciphers = {};
  for (let r = 0; r < RUNS; r++) {
    for (const name of [...names.slice(r % names.length), ...names.slice(0, r % names.length)]) {
      const m = await measure(name);
      results[name].push(m.usPerMsg);
      ciphers[name] = m.cipher;
      process.stderr.write(`${name} #${r + 1}: ${m.usPerMsg.toFixed(2)} µs/msg ${m.cipher}\n`);
    }
  }
  for (const s of Object.values(sinks)) s.child.kill();
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nBytes of a send and a drain to a sink (${REQUESTS.toLocaleString('en-US')} requests, 64 connections), client CPU µs per 10 KB message, median of ${RUNS}:\n`);
  console.log('| variant | cipher | µs/message | range |\n| --- | --- | ---: | ---: |');
  for (const n of names) console.log(`| ${n} | ${ciphers[n]} | ${cell(results[n])} |`);
}
