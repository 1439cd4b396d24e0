// npm run bench [-- --runs 3 --messages 100000 --full --only REGEX --cli PATH]
// Starts a fresh local server process per measurement, runs each scenario several times, and
// prints a markdown table (median of the runs) plus bench/results/latest.json. Client CPU is
// the client process's own (process.cpuUsage at its end), never the server's.
// Every scenario also runs over TLS (real SQS is HTTPS only): a TLS front in a process of its own
// (bench/tls-front.mjs) before the same server, with a self-signed certificate made for this bench
// and trusted by the clients through NODE_EXTRA_CA_CERTS. --only picks scenarios by name; --cli
// benches another build's dist/src/cli.js (A/B runs interleave two benches of one scenario).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const RUNS = Number(opt('runs', 3));
const N = Number(opt('messages', 100000));
const FULL = args.includes('--full');
// --only TEXT: just the scenarios whose name holds TEXT (a quick look; latest.json is left as it is).
const ONLY = opt('only', undefined);
// --cli PATH: bench another build's CLI (an A/B of two builds in one session).
const CLI = opt('cli', here('../dist/src/cli.js'));
// --proxy: every client goes through a forward proxy of its own process (bench/proxy.mjs) via
// HTTP_PROXY / HTTPS_PROXY: absolute-form to http endpoints, a CONNECT tunnel to https ones.
const PROXY = args.includes('--proxy');
let proxyUrl;
// Run the client as its bin runs: with the node flags of its shebang (#!/usr/bin/env -S node ...).
const NODE_FLAGS = readFileSync(CLI, 'utf8').split('\n')[0].split(/\s+/).slice(3);

// One P-256 certificate for the whole bench, for 127.0.0.1 (the endpoint the clients use).
let certDir;
function certificate() {
  if (certDir) return certDir;
  certDir = mkdtempSync(join(tmpdir(), 'sqs-blast-bench-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
  return certDir;
}

// A client talking to an https:// endpoint trusts the bench's certificate, and only then.
function exec(cmd, argv) {
  const ca = argv.some((a) => String(a).startsWith('https://')) ? { NODE_EXTRA_CA_CERTS: join(certificate(), 'cert.pem') } : {};
  if (proxyUrl) Object.assign(ca, { HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl });
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...ca }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => (code === 0 || code === 1 ? resolve(out) : reject(new Error(`${argv.join(' ')} exited ${code}: ${err.slice(-500)}`))));
  });
}

// Starts a node script that prints "ready PORT"; resolves with the child and the port.
async function startReady(script, argv) {
  const child = spawn(process.execPath, [here(script), ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => child.stdout.once('data', (c) => resolve(Number(String(c).split(' ')[1]))));
  return { child, port };
}

async function withServer(fn, { tls = false } = {}) {
  const children = [];
  try {
    const server = await startReady('server.mjs', ['0']);
    children.push(server.child);
    if (PROXY) {
      const proxy = await startReady('proxy.mjs', ['0']);
      children.push(proxy.child);
      proxyUrl = `http://127.0.0.1:${proxy.port}`;
    }
    if (!tls) return await fn(`http://127.0.0.1:${server.port}`);
    const dir = certificate();
    const front = await startReady('tls-front.mjs', [String(server.port), join(dir, 'cert.pem'), join(dir, 'key.pem')]);
    children.push(front.child);
    return await fn(`https://127.0.0.1:${front.port}`);
  } finally {
    for (const child of children.reverse()) {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
    }
  }
}

// Mid-run cost: the process CPU of the seconds whose messages lie (by their middle) between the
// 10th and 90th percent of all (the result's per-second cpuMs series), per message in them. It leaves
// out startup, the JIT's first compiles of the hot path, and the report: what a long run pays.
const MID = [0.1, 0.9];
function midRunUsPerMsg(r) {
  const cpu = r.timeline?.series.cpuMs;
  const done = r.kind === 'drain' ? r.timeline?.series.received : r.timeline?.series.sent;
  if (!cpu || !done) return undefined;
  const total = done.reduce((a, b) => a + b, 0);
  let before = 0;
  let cpuMs = 0;
  let messages = 0;
  done.forEach((n, i) => {
    const middle = before + n / 2;
    if (middle >= MID[0] * total && middle <= MID[1] * total) {
      cpuMs += cpu[i] ?? 0;
      messages += n;
    }
    before += n;
  });
  return messages ? (cpuMs * 1000) / messages : undefined;
}
const blast = async (argv) => {
  const r = JSON.parse(await exec(process.execPath, [...NODE_FLAGS, CLI, ...argv, '--json', '--quiet', '--depth-interval', '0']));
  const messages = r.kind === 'send' ? r.sent : r.kind === 'drain' ? r.received : r.sent + r.received;
  return { messages, wallS: r.durationMs / 1000, cpuS: r.client.cpuUserS + r.client.cpuSystemS, maxRssMb: r.client.maxRssMb, midRunUs: midRunUsPerMsg(r) };
};
const plain = async (argv) => JSON.parse(await exec(process.execPath, [here('plain-sdk.mjs'), ...argv]));
const floor = async (argv) => {
  const r = JSON.parse(await exec(process.execPath, [...NODE_FLAGS, here('floor.mjs'), ...argv]));
  return { ...r, steadyCpuS: r.cpuS };
};
// Creating queues with a zero-message send keeps the baseline free of setup code.
const createQueues = (ep, prefix) => blast(['send', '--endpoint', ep, '--queues', '4', '--queue-prefix', prefix, '--create-queues', '--duration', '0.001']);
const fill = (ep, prefix) => blast(['send', '--endpoint', ep, '--queues', '4', '--queue-prefix', prefix, '--create-queues', '--total', String(N)]);

// A run's fixed CPU (loading modules, starting worker threads, queue setup, the report) is
// measured by the same command with no messages, and subtracted for the per-message cost after
// startup; the table shows both.
const withFixed = async (measure, zero) => {
  const m = await measure();
  const z = await zero();
  return { ...m, fixedCpuS: z.cpuS, steadyCpuS: m.cpuS - z.cpuS };
};
const sendArgs = (ep, prefix) => ['send', '--endpoint', ep, '--queues', '4', '--queue-prefix', prefix, '--create-queues'];
// Drains run at sqs-blast's default of 8 pollers per queue, 32 in flight over 4 queues, and the
// plain-SDK and floor drains at the same 32: against a local server more pollers only wait there
// and cost every client more CPU per message (64 in flight: ~10-30% more here), so a bench at the
// default measures what a user runs. Sends run at sqs-blast's default of 64 calls in flight.
const DRAIN_IN_FLIGHT = 32;
const SDK = ['--client', 'sdk'];
const drainArgs = (ep, prefix) => ['drain', '--endpoint', ep, '--queues', '4', '--queue-prefix', prefix, '--concurrency', String(DRAIN_IN_FLIGHT / 4)];

// Each scenario over plain HTTP and over TLS ('tls' in its name and its row).
const scenarios = [false, true].flatMap((tls) => {
  const name = (n) => (tls ? n.replace(')', ', TLS)') : n);
  return [
    { name: name('send (sqs-blast)'), side: 'send', run: (ep) => withFixed(() => blast([...sendArgs(ep, 's'), '--total', String(N)]), () => blast([...sendArgs(ep, 'z'), '--duration', '0.001'])) },
    // --client sdk: the same loops, their calls through @aws-sdk/client-sqs (its startup run loads the SDK too).
    {
      name: name('send (sqs-blast --client sdk)'),
      side: 'send',
      run: (ep) => withFixed(() => blast([...sendArgs(ep, 's'), '--total', String(N), ...SDK]), () => blast([...sendArgs(ep, 'z'), '--duration', '0.001', ...SDK])),
    },
    { name: name('send (plain SDK)'), side: 'send', baseline: true, run: async (ep) => (await createQueues(ep, 'p'), plain(['send', ep, 'p', '4', String(N)])) },
    { name: name('send (I/O floor)'), side: 'send', floor: true, run: async (ep) => (await createQueues(ep, 'f'), floor(['send', ep, 'f', '4', String(N)])) },
    {
      name: name('drain (sqs-blast)'),
      side: 'drain',
      run: async (ep) => (await fill(ep, 'd'), withFixed(() => blast([...drainArgs(ep, 'd'), '--expect', String(N), '--wait-time', '1']), () => createQueues(ep, 'z').then(() => blast([...drainArgs(ep, 'z'), '--duration', '0.001', '--wait-time', '0'])))),
    },
    {
      name: name('drain (sqs-blast --client sdk)'),
      side: 'drain',
      run: async (ep) => (await fill(ep, 'd'), withFixed(() => blast([...drainArgs(ep, 'd'), '--expect', String(N), '--wait-time', '1', ...SDK]), () => createQueues(ep, 'z').then(() => blast([...drainArgs(ep, 'z'), '--duration', '0.001', '--wait-time', '0', ...SDK])))),
    },
    { name: name('drain (plain SDK)'), side: 'drain', baseline: true, run: async (ep) => (await fill(ep, 'q'), plain(['drain', ep, 'q', '4', String(N), String(DRAIN_IN_FLIGHT)])) },
    { name: name('drain (I/O floor)'), side: 'drain', floor: true, run: async (ep) => (await fill(ep, 'f'), floor(['drain', ep, 'f', '4', String(N), String(DRAIN_IN_FLIGHT)])) },
  ].map((s) => ({ ...s, tls }));
});
// A workload like a user's (#17): weighted sizes, so batches are filled by bytes (a batch with
// 256 KiB messages takes two requests or more). Its own side: no plain-SDK row to compare with.
scenarios.push({
  name: 'send mixed sizes 1KiB:70,16KiB:25,256KiB:5 (sqs-blast)',
  side: 'send-mixed',
  tls: false,
  run: (ep) => withFixed(() => blast([...sendArgs(ep, 'x'), '--total', String(N), '--message-size', '1KiB:70,16KiB:25,256KiB:5']), () => blast([...sendArgs(ep, 'z'), '--duration', '0.001'])),
});
if (FULL) {
  scenarios.push(
    { name: 'run --local 1M', side: 'run', tls: false, run: () => blast(['run', '--local', '--total', '1000000', '--queues', '4']) },
    { name: 'send 1M (memory)', side: 'send', tls: false, run: (ep) => blast(['send', '--endpoint', ep, '--queues', '4', '--queue-prefix', 'm', '--create-queues', '--total', '1000000', '--message-size', '256']) },
    { name: 'send 100k (memory)', side: 'send', tls: false, run: (ep) => blast(['send', '--endpoint', ep, '--queues', '4', '--queue-prefix', 'm', '--create-queues', '--total', '100000', '--message-size', '256']) },
  );
}

if (ONLY !== undefined) scenarios.splice(0, scenarios.length, ...scenarios.filter((s) => s.name.includes(ONLY)));

const range = (xs) => [Math.min(...xs), Math.max(...xs)];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const s of scenarios) {
  const runs = [];
  const count = s.name.includes('1M') ? 1 : RUNS;
  for (let i = 0; i < count; i++) {
    const m = s.name.includes('--local') ? await s.run() : await withServer(async (ep) => s.run(ep), { tls: s.tls });
    runs.push(m);
    process.stderr.write(`${s.name} #${i + 1}: ${JSON.stringify(m)}\n`);
  }
  // The run with the median CPU stands for the scenario (its own wall time, startup, RSS), so
  // a row's numbers always belong together.
  const mid = [...runs].sort((a, b) => a.cpuS - b.cpuS)[Math.floor(runs.length / 2)];
  const midRuns = runs.every((r) => r.midRunUs !== undefined) ? runs.map((r) => r.midRunUs) : undefined;
  rows.push({
    scenario: s.name,
    side: s.side,
    tls: Boolean(s.tls),
    baseline: Boolean(s.baseline),
    floor: Boolean(s.floor),
    runs: runs.length,
    messages: mid.messages,
    wallS: mid.wallS,
    msgPerS: mid.messages / mid.wallS,
    cpuS: s.floor ? undefined : mid.cpuS,
    usPerMsg: s.floor ? undefined : (mid.cpuS * 1e6) / mid.messages,
    fixedCpuS: mid.fixedCpuS,
    steadyUsPerMsg: mid.steadyCpuS === undefined ? undefined : (mid.steadyCpuS * 1e6) / mid.messages,
    // This VM's run-to-run noise is as large as many a change: every row shows it.
    steadyRange: mid.steadyCpuS === undefined ? undefined : range(runs.map((r) => (r.steadyCpuS * 1e6) / r.messages)),
    // The median over runs (it belongs to no single run's CPU ordering), and its range.
    midRunUsPerMsg: midRuns && median(midRuns),
    midRunRange: midRuns && range(midRuns),
    maxRssMb: mid.maxRssMb,
    all: runs,
    /** How many times the plain SDK's CPU per message, set below once every row is in. */
    vsBaseline: /** @type {number | undefined} */ (undefined),
  });
}
for (const r of rows.filter((x) => !x.baseline && !x.floor)) {
  const base = rows.find((x) => x.baseline && x.side === r.side && x.tls === r.tls);
  if (base?.usPerMsg !== undefined && r.usPerMsg !== undefined) r.vsBaseline = base.usPerMsg / r.usPerMsg;
}

const machine = `${cpus()[0].model.trim()}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const fmt = (n, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const lines = [
  `Machine: ${machine}. The run with the median CPU of ${RUNS}; ${N.toLocaleString('en-US')} x 10 KB messages over 4 queues; fresh server process each run.`,
  '',
  '| scenario | messages | wall s | msg/s | client CPU s | µs/message | of which startup s | µs/message after startup | all runs | µs/message mid-run | all runs | peak RSS MB | CPU vs plain SDK |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) =>
    [
      r.scenario,
      r.messages.toLocaleString('en-US'),
      fmt(r.wallS),
      fmt(r.msgPerS, 0),
      r.cpuS === undefined ? '-' : fmt(r.cpuS, 2),
      r.usPerMsg === undefined ? '-' : fmt(r.usPerMsg),
      r.fixedCpuS === undefined ? '-' : fmt(r.fixedCpuS, 2),
      r.steadyUsPerMsg === undefined ? '-' : fmt(r.steadyUsPerMsg),
      r.steadyRange === undefined || r.runs < 2 ? '-' : `${fmt(r.steadyRange[0])}–${fmt(r.steadyRange[1])}`,
      r.midRunUsPerMsg === undefined ? '-' : fmt(r.midRunUsPerMsg),
      r.midRunRange === undefined || r.runs < 2 ? '-' : `${fmt(r.midRunRange[0])}–${fmt(r.midRunRange[1])}`,
      r.maxRssMb,
      r.vsBaseline ? fmt(r.vsBaseline) + 'x less' : r.baseline ? 'baseline' : '',
    ].join(' | ').replace(/^/, '| ').replace(/$/, ' |'),
  ),
  '',
  'TLS rows: the same runs against a TLS front (bench/tls-front.mjs, a process of its own) before the same server. Startup: the same command with no messages. Mid-run: process CPU in the seconds that carried the 10th to 90th percent of the messages, per message in them (no startup, no first JIT compiles, no report). I/O floor (bench/floor.mjs): prebuilt requests re-sent on raw sockets, no signing, no parsing, CPU from the first request.',
];
process.stdout.write(lines.join('\n') + '\n');
mkdirSync(here('results'), { recursive: true });
if (ONLY === undefined && !PROXY) writeFileSync(here('results/latest.json'), JSON.stringify({ at: new Date().toISOString(), machine, runs: RUNS, messages: N, rows }, null, 2) + '\n');
if (certDir) rmSync(certDir, { recursive: true, force: true });
