/**
 * The embedded SQS server (fauxqs) in its own thread, so that in `--local` runs the main thread
 * stays free for progress and the server does not share an event loop with anything.
 */
import { parentPort, workerData } from 'node:worker_threads';

// fauxqs 2 imports node:sqlite (for a persistence mode we do not use), and Node 22 prints a
// two-line "SQLite is an experimental feature" warning into every --local run's output when it
// loads (Node 24 does not). That one warning is dropped here; every other still prints, as Node
// would print it. Hence the dynamic import below: a static one would load fauxqs before this runs.
const printers = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && /SQLite/i.test(w.message)) return;
  for (const print of printers) print(w);
});
const { startFauxqs } = await import('fauxqs');

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
