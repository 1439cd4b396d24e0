/**
 * The embedded SQS server (fauxqs) in its own thread, so that in `--local` runs the main thread
 * stays free for progress and the server does not share an event loop with anything.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startFauxqs } from 'fauxqs';

const { port } = workerData as { port: number };
const server = await startFauxqs({ port, logger: false });
parentPort!.postMessage({ port: server.port });
parentPort!.on('message', async (msg: { type: string }) => {
  if (msg.type === 'stop') {
    await server.stop();
    parentPort!.postMessage({ stopped: true });
    parentPort!.close();
  }
});
