/**
 * A fixed-latency SQS responder: answers SendMessageBatch (AWS JSON 1.0, the protocol sqs-blast
 * and the SDK speak) with a valid reply exactly `delayMs` after the request's head arrived, as
 * measured here. The truth a client's latency figures are held against. Setup calls
 * (GetQueueUrl, GetQueueAttributes) answer at once. Loopback only.
 *
 * Why not setTimeout alone: timers fire up to a millisecond late, which would make the truth
 * itself fuzzy. The timer wakes ~1.5 ms early and the last stretch is finished with setImmediate
 * turns, which still let other requests in; the hold actually served is recorded per request.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const EARLY_MS = 1.5;

const ID = Buffer.from('"Id":"');

/** Entry ids of a SendMessageBatch body, found without parsing its (possibly MBs of) message bodies. */
function entryIds(buf) {
  const ids = [];
  for (let i = buf.indexOf(ID); i >= 0; i = buf.indexOf(ID, i)) {
    i += ID.length;
    ids.push(buf.toString('latin1', i, buf.indexOf(34, i)));
  }
  return ids;
}

/** md5: compute each entry's MD5OfMessageBody (as SQS does); off, the responder costs next to nothing per call. */
export async function startResponder({ delayMs, port = 0, md5 = true }) {
  const held = []; // ms each SendMessageBatch was held, measured at the server
  let calls = 0;
  const server = createServer((req, res) => {
    const arrived = performance.now();
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target.slice(target.indexOf('.') + 1);
      const raw = Buffer.concat(chunks);
      const body = action === 'SendMessageBatch' && !md5 ? null : raw.length ? JSON.parse(raw.toString('utf8')) : {};
      const reply = (obj) => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(obj));
      };
      if (action === 'GetQueueUrl') return reply({ QueueUrl: `http://${req.headers.host}/000000000000/${body.QueueName}` });
      if (action === 'GetQueueAttributes') {
        return reply({
          Attributes: {
            QueueArn: `arn:aws:sqs:us-east-1:000000000000:${String(body.QueueUrl).split('/').pop()}`,
            ApproximateNumberOfMessages: '0',
            ApproximateNumberOfMessagesNotVisible: '0',
            ApproximateNumberOfMessagesDelayed: '0',
          },
        });
      }
      if (action !== 'SendMessageBatch') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        return res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAction', message: `not served here: ${action}` }));
      }
      const successful = body
        ? body.Entries.map((e) => ({ Id: e.Id, MessageId: `${calls}-${e.Id}`, MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex') }))
        : entryIds(raw).map((id) => ({ Id: id, MessageId: `${calls}-${id}` }));
      calls++;
      const due = arrived + delayMs;
      const finish = () => {
        if (performance.now() < due) return void setImmediate(finish);
        held.push(performance.now() - arrived);
        reply({ Successful: successful, Failed: [] });
      };
      setTimeout(finish, Math.max(0, due - performance.now() - EARLY_MS));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)));
  const { port: bound } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    queueUrl: `http://127.0.0.1:${bound}/000000000000/fidelity`,
    /** Holds measured at the server since the last reset. */
    held: () => held.slice(),
    reset: () => void held.splice(0),
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
