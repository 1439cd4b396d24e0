// The I/O floor: what moving the same bytes costs on this machine with nothing else done. Raw
// keep-alive sockets, 64 exchanges in flight unless told (the bench drains at 32), requests built
// once and re-sent as they are (the local server does not check signatures, so there is no
// SHA-256 and no signing), replies framed by Content-Length and not parsed beyond the receipt
// handles a delete needs. No client can spend less CPU per message than this here; the gap between
// it and sqs-blast is signing and accounting.
// Prints one JSON line; cpuS counts from the first request (no startup), like `steadyCpuS`.
import net from 'node:net';

const [mode, endpoint, prefix, queues, total, concurrency = '64', size = '10240'] = process.argv.slice(2);
const url = new URL(endpoint);
const N = Number(total);
const queueUrl = (i) => `http://sqs.us-east-1.localhost:${url.port}/000000000000/${prefix}-${i + 1}`;
const head = (target, length) =>
  `POST / HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: ${length}\r\n` +
  `x-amz-target: AmazonSQS.${target}\r\nauthorization: AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0\r\n\r\n`;
const request = (target, body) => Buffer.concat([Buffer.from(head(target, Buffer.byteLength(body)), 'latin1'), Buffer.from(body)]);

// Reads land in one static buffer (as in sqs-blast's client); a reply is copied out once.
const readBuffer = Buffer.allocUnsafe(256 * 1024);
function connection() {
  let reply = Buffer.allocUnsafe(128 * 1024);
  let have = 0;
  let need = -1;
  let bodyStart = 0;
  let waiter = null;
  const onRead = (n, buf) => {
    if (have + n > reply.length) {
      const bigger = Buffer.allocUnsafe(2 * (have + n));
      reply.copy(bigger, 0, 0, have);
      reply = bigger;
    }
    buf.copy(reply, have, 0, n);
    have += n;
    if (need < 0) {
      const end = reply.subarray(0, have).indexOf('\r\n\r\n');
      if (end < 0) return true;
      const m = /content-length: *(\d+)/i.exec(reply.toString('latin1', 0, end));
      if (!m) throw new Error('a reply without content-length (the floor frames replies by it)');
      need = end + 4 + Number(m[1]);
      bodyStart = end + 4;
    }
    if (have < need) return true;
    const body = reply.subarray(bodyStart, need);
    have = 0;
    need = -1;
    const w = waiter;
    waiter = null;
    w(body);
    return true;
  };
  const socket = net.connect({ host: url.hostname, port: Number(url.port), onread: { buffer: readBuffer, callback: onRead } });
  socket.setNoDelay(true);
  return (buf) => new Promise((resolve) => ((waiter = resolve), socket.write(buf)));
}

const lanes = Array.from({ length: Number(concurrency) }, connection);
await new Promise((r) => setTimeout(r, 200));
const started = Date.now();
const cpu0 = process.cpuUsage();
let done = 0;

if (mode === 'send') {
  const padding = 'x'.repeat(Number(size) - 120);
  const body = (q) =>
    JSON.stringify({
      QueueUrl: queueUrl(q),
      Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: JSON.stringify({ id: `floor-${i}`, seq: i, sentAt: 0, padding }) })),
    });
  const requests = Array.from({ length: Number(queues) }, (_, q) => request('SendMessageBatch', body(q)));
  let next = 0;
  await Promise.all(
    lanes.map(async (send) => {
      for (;;) {
        const batch = next++;
        if (batch * 10 >= N) return;
        await send(requests[batch % requests.length]);
        done += 10;
      }
    }),
  );
} else {
  const receives = Array.from({ length: Number(queues) }, (_, q) =>
    request('ReceiveMessage', JSON.stringify({ QueueUrl: queueUrl(q), MaxNumberOfMessages: 10, WaitTimeSeconds: 1 })),
  );
  const KEY = Buffer.from('"ReceiptHandle":"');
  await Promise.all(
    lanes.map(async (send, lane) => {
      const q = lane % receives.length;
      while (done < N) {
        const reply = await send(receives[q]);
        // (read before the next request on this connection reuses the reply buffer)
        const handles = [];
        for (let at = reply.indexOf(KEY); at >= 0; at = reply.indexOf(KEY, at + 1)) {
          const s = at + KEY.length;
          handles.push(reply.toString('latin1', s, reply.indexOf(34, s)));
        }
        if (!handles.length) continue;
        done += handles.length;
        const entries = handles.map((h, i) => `{"Id":"${i}","ReceiptHandle":"${h}"}`).join(',');
        await send(request('DeleteMessageBatch', `{"QueueUrl":"${queueUrl(q)}","Entries":[${entries}]}`));
      }
    }),
  );
}
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  JSON.stringify({ messages: done, wallS: (Date.now() - started) / 1000, cpuS: (cpu.user + cpu.system) / 1e6, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n',
);
process.exit(0);
