/**
 * A second, stricter SQS emulator for the queue lifecycle fauxqs skips: local-aws-sqs, in-process
 * on a loopback port. With `emulateLazyQueues` a created queue answers QueueDoesNotExist for its
 * first ~1.15 s, as AWS documents ("wait at least one second"); with
 * `emulateQueueCreationLifecycle` a deleted queue's name is refused with QueueDeletedRecently for
 * 60 s. That 60 s is fixed in the emulator (a timer in its Queue.purge), not an option.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSqsServer } from 'local-aws-sqs';

export interface StrictSqs {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startStrictSqs(): Promise<StrictSqs> {
  // The hostname is what queue URLs name: 127.0.0.1 keeps every call on loopback.
  const server: Server = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateLazyQueues: true, emulateQueueCreationLifecycle: true });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
