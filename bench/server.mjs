// The local SQS server in a process of its own, so a client's CPU can be measured alone.
import { startFauxqs } from 'fauxqs';

const port = Number(process.argv[2] ?? 0);
const server = await startFauxqs({ port, logger: false });
process.stdout.write(`ready ${server.port}\n`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
