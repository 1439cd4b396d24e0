/**
 * A fixed-latency SQS responder: answers SendMessageBatch (AWS JSON 1.0, the protocol sqs-blast
 * and the SDK speak) with a valid reply exactly `delayMs` after the request's first byte reached
 * its socket, as measured here. The truth a client's latency figures are held against. Setup calls
 * (GetQueueUrl, GetQueueAttributes) answer at once. Loopback only.
 *
 * Why raw sockets, not node:http: node:http's parser and response writer cost this VM a few
 * hundred µs a call that fall outside any hold measured in a request handler, so the client would
 * see more than the "truth" for reasons of the responder's own. Here the hold runs from the first
 * byte in to the reply's write, and the reply is one prebuilt write.
 *
 * Why not setTimeout alone: timers fire up to a millisecond late, which would make the truth
 * itself fuzzy. The timer wakes ~1.5 ms early and the last stretch is finished with setImmediate
 * turns, which still let other requests in; the hold actually served is recorded per request.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';

const EARLY_MS = 1.5;

const ID = Buffer.from('"Id":"');
const HEAD_END = Buffer.from('\r\n\r\n');

/** Entry ids of a SendMessageBatch body, found without parsing its (possibly MBs of) message bodies. */
function entryIds(buf) {
  const ids = [];
  for (let i = buf.indexOf(ID); i >= 0; i = buf.indexOf(ID, i)) {
    i += ID.length;
    ids.push(buf.toString('latin1', i, buf.indexOf(34, i)));
  }
  return ids;
}

function response(status, obj) {
  const body = Buffer.from(JSON.stringify(obj));
  return Buffer.concat([
    Buffer.from(`HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Bad Request'}\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n`),
    body,
  ]);
}

/** The request heads' fields this responder reads (lower-cased names). */
function headerOf(head, name) {
  const at = head.toLowerCase().indexOf(`\r\n${name}:`);
  if (at < 0) return '';
  const from = at + name.length + 3;
  const to = head.indexOf('\r\n', from);
  return head.slice(from, to < 0 ? undefined : to).trim();
}

/** md5: compute each entry's MD5OfMessageBody (as SQS does); off, the responder costs next to nothing per call. */
export async function startResponder({ delayMs, port = 0, md5 = true }) {
  const held = []; // ms each SendMessageBatch was held, measured at the server
  const sockets = new Set();
  let calls = 0;

  /** One whole request: its reply, written now (setup calls) or at its due moment (SendMessageBatch). */
  function serve(socket, head, raw, arrived) {
    const target = headerOf(head, 'x-amz-target');
    const action = target.slice(target.indexOf('.') + 1);
    const host = headerOf(head, 'host');
    const body = action === 'SendMessageBatch' && !md5 ? null : raw.length ? JSON.parse(raw.toString('utf8')) : {};
    if (action === 'GetQueueUrl') return socket.write(response(200, { QueueUrl: `http://${host}/000000000000/${body.QueueName}` }));
    if (action === 'GetQueueAttributes') {
      return socket.write(
        response(200, {
          Attributes: {
            QueueArn: `arn:aws:sqs:us-east-1:000000000000:${String(body.QueueUrl).split('/').pop()}`,
            ApproximateNumberOfMessages: '0',
            ApproximateNumberOfMessagesNotVisible: '0',
            ApproximateNumberOfMessagesDelayed: '0',
          },
        }),
      );
    }
    if (action !== 'SendMessageBatch') return socket.write(response(400, { __type: 'com.amazonaws.sqs#InvalidAction', message: `not served here: ${action}` }));
    const successful = body
      ? body.Entries.map((e) => ({ Id: e.Id, MessageId: `${calls}-${e.Id}`, MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex') }))
      : entryIds(raw).map((id) => ({ Id: id, MessageId: `${calls}-${id}` }));
    calls++;
    const reply = response(200, { Successful: successful, Failed: [] });
    const due = arrived + delayMs;
    const finish = () => {
      if (performance.now() < due) return void setImmediate(finish);
      held.push(performance.now() - arrived);
      socket.write(reply);
    };
    setTimeout(finish, Math.max(0, due - performance.now() - EARLY_MS));
  }

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    /** @type {Buffer} */
    let buf = Buffer.alloc(0);
    let arrived = 0; // when the first byte of the request being read came in
    socket.on('data', (chunk) => {
      if (!buf.length) arrived = performance.now();
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        const end = buf.indexOf(HEAD_END);
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const length = Number(headerOf(head, 'content-length') || 0);
        const total = end + HEAD_END.length + length;
        if (buf.length < total) return;
        serve(socket, head, buf.subarray(end + HEAD_END.length, total), arrived);
        buf = buf.subarray(total);
        // A pipelined next request arrived with this one's last bytes: no earlier than now.
        if (buf.length) arrived = performance.now();
      }
    });
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)));
  const { port: bound } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    queueUrl: `http://127.0.0.1:${bound}/000000000000/fidelity`,
    /** Holds measured at the server since the last reset. */
    held: () => held.slice(),
    reset: () => void held.splice(0),
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve(undefined));
      }),
  };
}
