/**
 * A second, stricter SQS emulator for the queue lifecycle fauxqs skips: local-aws-sqs, in-process
 * on a loopback port. With `emulateLazyQueues` a created queue answers QueueDoesNotExist for its
 * first ~1.15 s, as AWS documents ("wait at least one second"); with
 * `emulateQueueCreationLifecycle` a deleted queue's name is refused with QueueDeletedRecently for
 * 60 s. That 60 s is a timer in the emulator's Queue.purge, not an option of its own:
 * `deletedNameHoldMs` replaces each queue's purge with the same steps on a shorter timer, so a test
 * of the wait need not sit out a whole minute (test/lifecycle.int.test.ts: 74 s of the suite's
 * 1,310 before). Its PurgeQueue hold is the same timer, so it shortens with it.
 *
 * It is stricter than fauxqs elsewhere too (test/second-emulator.int.test.ts runs the integrity
 * path on it): a FIFO delete or visibility change with a receipt handle whose visibility ran out
 * is refused (InvalidParameterValue, as AWS does), DeleteMessageBatch reports unknown handles as
 * Failed, in-flight messages are capped (120,000; FIFO 20,000), and it computes the MD5s of
 * bodies and attributes itself. It returns system attributes only to the older `AttributeNames`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { createRequestHandler } from 'local-aws-sqs';

export interface StrictSqs {
  endpoint: string;
  stop(): Promise<void>;
}

export interface StrictSqsOptions {
  /** How long a deleted queue's name is refused (QueueDeletedRecently). The emulator's own, and SQS's: 60 s. */
  deletedNameHoldMs?: number;
}

/** The emulator's queue, as much of it as a shorter hold needs. */
interface EmulatedQueue {
  purgeInProgress: boolean;
  clearRecords(): void;
  purge(done?: () => void): boolean;
}

export async function startStrictSqs(options: StrictSqsOptions = {}): Promise<StrictSqs> {
  // The hostname is what queue URLs name: 127.0.0.1 keeps every call on loopback.
  const { requestHandler, service } = createRequestHandler({ port: 0, hostname: '127.0.0.1', emulateLazyQueues: true, emulateQueueCreationLifecycle: true });
  const hold = options.deletedNameHoldMs;
  if (hold !== undefined) {
    // What Queue.purge does (clear the records, then the caller's step: DeleteQueue's frees the
    // name), on `hold` instead of 60 s. Every queue enters service.Queues by push (a lazy one after
    // its ~1.15 s), so patching there reaches each one.
    const queues = service.Queues as unknown as EmulatedQueue[];
    const push = queues.push.bind(queues);
    queues.push = (...added: EmulatedQueue[]) => {
      for (const q of added) {
        q.purge = (done) => {
          if (q.purgeInProgress) return false;
          q.purgeInProgress = true;
          setTimeout(() => {
            q.clearRecords();
            done?.();
            q.purgeInProgress = false;
          }, hold).unref();
          return true;
        };
      }
      return push(...added);
    };
  }
  // The handler answers asynchronously (it resolves when the reply is written); node:http ignores that.
  const server: Server = createServer((req, res) => void requestHandler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // Queue URLs name the port the service was told: the one it listens on, as createSqsServer does.
  service.PORT = port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
