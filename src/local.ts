/**
 * The embedded local SQS server behind `--local` and `sqs-blast local`: a real SQS-compatible
 * HTTP server (fauxqs), so a newcomer can run a load test with no AWS account.
 */
import { Worker } from 'node:worker_threads';
import { UsageError } from './errors.js';

export interface EmbeddedServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export async function startEmbeddedServer(port = 0): Promise<EmbeddedServer> {
  const worker = new Worker(new URL('../workers/local-server.js', import.meta.url), { workerData: { port } });
  const started = await new Promise<{ port: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', (e: Error & { code?: string }) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new UsageError(`--port ${port} is already in use; pick another port or stop what listens there`)
          : e,
      ),
    );
  });
  return {
    port: started.port,
    endpoint: `http://127.0.0.1:${started.port}`,
    async stop() {
      const done = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'stop' });
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await done;
      clearTimeout(timer);
    },
  };
}
