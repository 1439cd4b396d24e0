/** Shared by the integration tests: the server's endpoint, SDK clients, and the CLI as a process. */
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { parseResults } from '../src/result/lines.js';
import type { Result } from '../src/result/document.js';

export const CLI = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));

export function endpoint(): string {
  return inject('sqsEndpoint');
}

/** An S3 client on the same server (fauxqs serves S3 beside SQS), path-style as local endpoints need. */
export function s3Client(): S3Client {
  return new S3Client({ endpoint: endpoint(), region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

/** An SDK client on the shared server, or on `at` (another server, e.g. test/strict-sqs.ts). */
export function sdk(at = endpoint()): SQSClient {
  return new SQSClient({
    endpoint: at,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

let counter = 0;
export function uniquePrefix(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

export async function createQueues(client: SQSClient, prefix: string, n: number, attributes?: Record<string, string>): Promise<string[]> {
  const urls: string[] = [];
  for (let i = 1; i <= n; i++) {
    const r = await client.send(new CreateQueueCommand({ QueueName: `${prefix}-${i}`, Attributes: attributes }));
    urls.push(r.QueueUrl!);
  }
  return urls;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Called with the child once it runs, e.g. to signal it. */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
  /** Called for each stderr chunk (e.g. to wait for progress before signalling). */
  onStderr?: (chunk: string, child: import('node:child_process').ChildProcess) => void;
  /** Written to the child's stdin (which is otherwise closed). */
  input?: string;
}

/** Run the built CLI as a real process. The environment is scrubbed of SQS_BLAST_* and AWS_*. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(SQS_BLAST_|AWS_)/.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => {
      stderr += c;
      opts.onStderr?.(String(c), child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 100_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    opts.onSpawn?.(child);
  });
}

/** An independent consumer: plain SDK calls, receive and delete until the queues stay empty. */
export async function consumeAll(client: SQSClient, urls: string[], onMessage: (m: Message, url: string) => void): Promise<number> {
  let n = 0;
  await Promise.all(
    urls.flatMap((url) =>
      Array.from({ length: 4 }, async () => {
        for (let empty = 0; empty < 2; ) {
          const r = await client.send(
            new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['SentTimestamp'] }),
          );
          const msgs = r.Messages ?? [];
          if (!msgs.length) {
            empty++;
            continue;
          }
          empty = 0;
          for (const m of msgs) onMessage(m, url);
          n += msgs.length;
          await client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: url,
              Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      }),
    ),
  );
  return n;
}

export async function depth(client: SQSClient, url: string): Promise<number> {
  const r = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const a = r.Attributes ?? {};
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible) + Number(a.ApproximateNumberOfMessagesDelayed);
}

/** The result a process printed as result lines (chunked, or the old one-line form). */
export function resultFrom(stdout: string): Result {
  const [result] = parseResults(stdout, 'stdout');
  if (!result) throw new Error(`no result lines in output:\n${stdout.slice(0, 2000)}`);
  return result;
}
