/**
 * The embedded SQS server (fauxqs) in its own thread, so that in `--local` runs the main thread
 * stays free for progress and the server does not share an event loop with anything.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startFauxqs } from 'fauxqs';

const { port } = workerData as { port: number };
const server = await startFauxqs({ port, logger: false });
parentPort!.postMessage({ port: server.port });
async function stop(): Promise<void> {
  await server.stop();
  parentPort!.postMessage({ stopped: true });
  parentPort!.close();
}
// A stop that fails ends this thread with an error; the parent waits for the thread's exit either way.
parentPort!.on('message', (msg: { type: string }) => {
  if (msg.type === 'stop') void stop();
});
