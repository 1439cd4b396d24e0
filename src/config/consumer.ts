/**
 * The consumer's workload flags: --process-time, --delete, --extend-visibility and
 * --max-in-flight, checked against each other and against the drain's own settings.
 */
import { UsageError } from '../errors.js';
import { parseProcessTime, type ProcessTimeSpec } from '../workload/process-time.js';
import { boolArg, intArg, stringArg, type RawArgs } from './args.js';

export const DELETE_MODES = ['batch', 'single', 'none'] as const;
export type DeleteMode = (typeof DELETE_MODES)[number];

export interface ConsumerWorkload {
  processTime?: ProcessTimeSpec;
  deleteMode: DeleteMode;
  /** Seconds each ChangeMessageVisibility heartbeat extends a message being processed by. */
  extendVisibility?: number;
  /** Messages a drain thread holds at once (received, not yet done); undefined: no cap. */
  maxInFlight?: number;
}

/** `bounded`: the drain has an end besides going idle (--expect, --duration, or run's own end). */
export function resolveConsumerWorkload(args: RawArgs, d: { maxMessages: number; visibilityTimeout?: number; bounded: boolean }): ConsumerWorkload {
  const rawTime = stringArg(args, 'processTime');
  const processTime = rawTime === undefined ? undefined : parseProcessTime(rawTime);
  const deleteMode = (stringArg(args, 'delete') ?? 'batch') as DeleteMode;
  if (!DELETE_MODES.includes(deleteMode)) {
    throw new UsageError(`--delete (env SQS_BLAST_DELETE) ${JSON.stringify(deleteMode)} is not a delete mode; use batch, single (one call per message as it is done) or none (let messages come back)`);
  }
  if (deleteMode === 'none' && !d.bounded) {
    throw new UsageError('--delete none lets every message come back, so the queue never goes idle: give --expect N or --duration S too');
  }
  let extendVisibility: number | undefined;
  if (boolArg(args, 'extendVisibility')) {
    if (d.visibilityTimeout === undefined || d.visibilityTimeout < 1) {
      throw new UsageError('--extend-visibility extends by the visibility timeout: give --visibility-timeout SECONDS (1 or more) too');
    }
    if (!processTime) throw new UsageError('--extend-visibility keeps messages invisible while they are processed: give --process-time too, or drop --extend-visibility');
    extendVisibility = d.visibilityTimeout;
  }
  const maxInFlight = intArg(args, 'maxInFlight', d.maxMessages, 1_000_000, `a poll asks for up to --max-messages (${d.maxMessages}) messages, so the cap must hold one poll`);
  return { processTime, deleteMode, extendVisibility, maxInFlight };
}
