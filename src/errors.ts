import { OWN_CODES } from './sqs/error-codes.js';

/**
 * Errors the CLI turns into one line on stderr instead of a stack trace, and exit code 2
 * (EXIT.usage): anything the user can fix before a single message is sent.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An SQS call failed; `code` is the AWS error name (ThrottlingException, QueueDoesNotExist…). */
export class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly status = 0,
    /** The reply's Date header (error replies only): the server's clock, for the skew correction. */
    readonly serverDate?: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** Anything a call threw, as an SqsError: what is not one already is an unknown, final failure. */
export function asSqsError(e: unknown): SqsError {
  return e instanceof SqsError ? e : new SqsError(OWN_CODES.unknown, String(e), false);
}

export const EXIT = {
  ok: 0,
  incomplete: 1,
  usage: 2,
  threshold: 99,
  sigint: 130,
  sigterm: 143,
} as const;
