// The send and drain worker loops without the network: the real worker functions of a build, with
// SqsWire#call answering at once from canned replies (no signing, no sockets, no reply parsing),
// so what is left is request writing and the workers' own bookkeeping. Prints the CPU per message
// of 5 rounds (min and median) and each round's minor GCs, after a warm-up round.
// usage: node --v8-pool-size=1 bench/hot-loop.mjs ROOT send|drain MESSAGES
//   ROOT: a checkout with dist/ built (compare two builds in alternating processes).
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [root, mode, total] = process.argv.slice(2);
const N = Number(total);
const imp = (p) => import(pathToFileURL(`${root}/${p}`).href);
const { SqsWire } = await imp('dist/src/sqs/wire.js');
const { CONTROL, createSharedState } = await imp('dist/src/metrics/live.js');
const { PayloadFactory, parseHead } = await imp('dist/src/payload.js');
const worker = (await imp(`dist/workers/${mode}.js`)).default;

const identity = { runId: 'mcheck01', shard: 0, shards: 1, of: N, total: N };
const factory = new PayloadFactory(identity, 10240);
const successful = { Successful: Array.from({ length: 10 }, (_, i) => ({ Id: String(i) })) };
const bodies = Array.from({ length: 10 }, (_, i) => factory.body(i, Date.now()));
// What readReceiveReply makes of a reply of our ten bodies.
const heads = bodies.map(parseHead);
const handles = bodies.map((_, i) => 'AQEB' + 'x'.repeat(300) + i);
const received = () => heads.map((head, i) => ({ receiptHandle: handles[i], head, bodyBytes: 10240, sentTimestamp: NaN }));

SqsWire.prototype.call = function (action) {
  if (action === 'ReceiveMessage') return Promise.resolve(received());
  return Promise.resolve(successful);
};
SqsWire.prototype.close = () => {};

const connection = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', staticCredentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestTimeoutMs: 10000, maxRetries: 5, verifyMd5: false, maxConnectionAgeMs: 0, client: 'lean' };

async function once(n) {
  const state = createSharedState(1);
  const startMs = Date.now();
  if (mode === 'send') {
    return worker({ row: 0, state, connection, queueUrls: ['http://127.0.0.1:9/000000000000/q-1', 'http://127.0.0.1:9/000000000000/q-2'], identity: { ...identity, of: n, total: n }, messageSize: 10240, batchSize: 10, total: n, lanes: 64, startMs, firstSeq: 0, workers: 1, schedule: { segments: [], warmupMs: 0, endMs: Infinity } });
  }
  new Int32Array(state.control)[CONTROL.expect] = n; // the worker stops itself there
  return worker({ row: 0, state, connection, queueUrls: ['http://127.0.0.1:9/000000000000/q-1'], pollers: Array(32).fill(0), maxMessages: 10, waitTimeSeconds: 1, startMs });
}

await once(Math.floor(N / 4));
const rounds = [];
for (let k = 0; k < 5; k++) {
  let minor = 0;
  const obs = new PerformanceObserver((list) => {
    // A gc entry carries its detail at run time; @types/node 22 declares detail only on marks and measures.
    for (const e of list.getEntries()) if (/** @type {PerformanceEntry & { detail: import('node:perf_hooks').NodeGCPerformanceDetail }} */ (e).detail.kind === 1) minor++;
  });
  obs.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  const r = await once(N);
  const cpu = process.cpuUsage(cpu0);
  await new Promise((res) => setTimeout(res, 20));
  obs.disconnect();
  const done = mode === 'send' ? r.sent : r.received;
  rounds.push({ us: (cpu.user + cpu.system) / done, minor });
}
const us = rounds.map((x) => x.us).sort((a, b) => a - b);
console.log(JSON.stringify({ root, mode, minUs: +us[0].toFixed(3), medianUs: +us[2].toFixed(3), minorGcs: rounds.map((x) => x.minor) }));
process.exit(0);
