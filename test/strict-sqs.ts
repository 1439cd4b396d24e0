/**
 * A second, stricter SQS emulator for the queue lifecycle fauxqs skips: local-aws-sqs, in-process
 * on a loopback port. With `emulateLazyQueues` a created queue answers QueueDoesNotExist for its
 * first ~1.15 s, as AWS documents ("wait at least one second"); with
 * `emulateQueueCreationLifecycle` a deleted queue's name is refused with QueueDeletedRecently for
 * 60 s. That 60 s is fixed in the emulator (a timer in its Queue.purge), not an option.
 *
 * It is stricter than fauxqs elsewhere too (test/second-emulator.int.test.ts runs the integrity
 * path on it): a FIFO delete or visibility change with a receipt handle whose visibility ran out
 * is refused (InvalidParameterValue, as AWS does), DeleteMessageBatch reports unknown handles as
 * Failed, in-flight messages are capped (120,000; FIFO 20,000), and it computes the MD5s of
 * bodies and attributes itself. It returns system attributes only to the older `AttributeNames`.
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
