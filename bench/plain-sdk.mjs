// The baseline: what a user writes with the AWS SDK in a straightforward way. Keep-alive sockets,
// 64 calls in flight unless told (the bench drains at 32, as sqs-blast does by default),
// SendMessageBatch of 10 x 10 KB JSON bodies; the consumer long-polls and deletes in batches. Prints one JSON line with its own CPU time.
import { DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { randomUUID } from 'node:crypto';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const [mode, endpoint, prefix, queues, total, concurrency = '64', size = '10240'] = process.argv.slice(2);
const client = new SQSClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: Number(concurrency) }) }),
});
const urls = await Promise.all(
  Array.from({ length: Number(queues) }, async (_, i) => (await client.send(new GetQueueUrlCommand({ QueueName: `${prefix}-${i + 1}` }))).QueueUrl),
);
const padding = 'x'.repeat(Number(size) - 120);
const started = Date.now();
let done = 0;

if (mode === 'send') {
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(concurrency) }, async () => {
      for (;;) {
        const first = next;
        next += 10;
        if (first >= Number(total)) return;
        const Entries = Array.from({ length: 10 }, (_, i) => ({
          Id: String(i),
          MessageBody: JSON.stringify({ id: randomUUID(), seq: first + i, sentAt: Date.now(), padding }),
        }));
        await client.send(new SendMessageBatchCommand({ QueueUrl: urls[(first / 10) % urls.length], Entries }));
        done += 10;
      }
    }),
  );
} else {
  await Promise.all(
    urls.flatMap((url) =>
      Array.from({ length: Math.max(1, Math.floor(Number(concurrency) / urls.length)) }, async () => {
        while (done < Number(total)) {
          const r = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
          const msgs = r.Messages ?? [];
          if (!msgs.length) continue;
          for (const m of msgs) JSON.parse(m.Body ?? '');
          done += msgs.length;
          await client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
        }
      }),
    ),
  );
}
const cpu = process.cpuUsage();
process.stdout.write(
  JSON.stringify({ messages: done, wallS: (Date.now() - started) / 1000, cpuS: (cpu.user + cpu.system) / 1e6, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n',
);
client.destroy();
