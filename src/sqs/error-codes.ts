/**
 * Every error code sqs-blast treats specially, and the classes it sorts them into: worth another
 * attempt, "slow down", the queue is not there, the endpoint cannot be reached, the credentials
 * were refused. One table per class, so that a new code is one line here and every reader (the
 * hot path's retries and backoff, setup errors, the `throttles` metric) agrees on it.
 */

/** Codes sqs-blast gives failures of its own finding. */
export const OWN_CODES = {
  /** A stop abandoned the call (a second signal, or the grace period ran out). */
  aborted: 'Aborted',
  /** A *Batch reply named an entry in neither Successful nor Failed: retried like a timed-out call. */
  incompleteReply: 'IncompleteReply',
  /** --verify-md5: the MD5 SQS returned is not that of the body sent. */
  md5Mismatch: 'MD5Mismatch',
  /** Anything thrown that was not an SQS or network error. */
  unknown: 'UnknownError',
} as const;

/**
 * The codes the SDK's retry strategy calls throttling (@smithy/core retry, THROTTLING_ERROR_CODES):
 * a reply named so is retried by the SDK, so by the hot path too (test/conformance.test.ts).
 */
const SDK_THROTTLING = [
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
];

/**
 * The server asked us to slow down: the SDK's throttling codes, SQS's KMS throttle, and Http429 (a
 * 429 reply whose body named no code). These are counted as throttles and back off from the longer base.
 */
const THROTTLE = new Set([...SDK_THROTTLING, 'KmsThrottled', 'Http429']);

/** The way to the endpoint failed: the call may never have reached the server. */
const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'TimeoutError',
  'RequestTimeout',
]);

/**
 * Worth another attempt as an entry a *Batch reply lists as Failed (with SenderFault false), or as
 * a failure of the way there: throttling, server trouble, an unreadable exchange, the network.
 * (A whole reply's verdict is the SDK's: isRetryableReply.)
 */
const RETRYABLE = new Set([...THROTTLE, 'ServiceUnavailable', 'InternalError', 'InternalFailure', 'InvalidResponse', ...NETWORK]);

/** The SDK's transient codes and statuses (@smithy/core retry TRANSIENT_ERROR_CODES, TRANSIENT_ERROR_STATUS_CODES). */
const SDK_RETRIED = new Set([...SDK_THROTTLING, 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);

/**
 * Whether a whole call refused with this reply is worth another attempt: the SDK's own decision
 * (its StandardRetryStrategy retries what @smithy/core calls THROTTLING or TRANSIENT), so a run
 * retries exactly the calls an SDK producer or consumer would. Throttling codes, its transient
 * codes, a 429, a 500/502/503/504 whatever the body says (so not a 501), and a signature that
 * "expired" in transit. Not KmsThrottled (the SDK's list lacks it: a call refused with it fails,
 * as it does for an SDK program), and not a complete 200 reply the client cannot read (the server
 * did the work: sending it again could do it twice). The entries a *Batch reply lists as Failed
 * are another matter, the SDK never retries those: see isRetryable.
 */
export function isRetryableReply(code: string, status: number, message = ''): boolean {
  return (
    SDK_RETRIED.has(code) || status === 429 || TRANSIENT_STATUS.has(status) || (code === 'InvalidSignatureException' && message.includes('Signature expired'))
  );
}

/**
 * SQS's error codes in the query protocol it spoke before JSON (its model's awsQueryError traits,
 * as @aws-sdk/client-sqs carries them), and the name of each error: a reply that names its error
 * only by the x-amzn-query-error header (`AWS.SimpleQueueService.NonExistentQueue;Sender`) is the
 * SDK's QueueDoesNotExist, and so it is here. The codes equal to their names are left out.
 */
const QUERY_CODE_NAMES: ReadonlyMap<string, string> = new Map(Object.entries({
  'AWS.SimpleQueueService.BatchEntryIdsNotDistinct': 'BatchEntryIdsNotDistinct',
  'AWS.SimpleQueueService.BatchRequestTooLong': 'BatchRequestTooLong',
  'AWS.SimpleQueueService.EmptyBatchRequest': 'EmptyBatchRequest',
  'AWS.SimpleQueueService.InvalidBatchEntryId': 'InvalidBatchEntryId',
  'AWS.SimpleQueueService.MessageNotInflight': 'MessageNotInflight',
  'AWS.SimpleQueueService.NonExistentQueue': 'QueueDoesNotExist',
  'AWS.SimpleQueueService.PurgeQueueInProgress': 'PurgeQueueInProgress',
  'AWS.SimpleQueueService.QueueDeletedRecently': 'QueueDeletedRecently',
  'AWS.SimpleQueueService.TooManyEntriesInBatchRequest': 'TooManyEntriesInBatchRequest',
  'AWS.SimpleQueueService.UnsupportedOperation': 'UnsupportedOperation',
  'KMS.AccessDeniedException': 'KmsAccessDenied',
  'KMS.DisabledException': 'KmsDisabled',
  'KMS.InvalidKeyUsageException': 'KmsInvalidKeyUsage',
  'KMS.InvalidStateException': 'KmsInvalidState',
  'KMS.NotFoundException': 'KmsNotFound',
  'KMS.OptInRequired': 'KmsOptInRequired',
  'KMS.ThrottlingException': 'KmsThrottled',
  QueueAlreadyExists: 'QueueNameExists',
}));

/** The name of the error a query-protocol code stands for (itself when SQS models no other). */
export function errorNameOfQueryCode(code: string): string {
  // A Map: a code such as `constructor` must not find Object's own properties.
  return QUERY_CODE_NAMES.get(code) ?? code;
}

/** Every code this table names (live errors by code keep one slot each; metrics/error-code-slots.ts). */
export const NAMED_CODES: readonly string[] = [...RETRYABLE, ...Object.values(OWN_CODES)];

/** The queue does not exist: the JSON protocol's name, and the query protocol's (AWS.SimpleQueueService.NonExistentQueue). */
const MISSING_QUEUE = /QueueDoesNotExist|NonExistentQueue/;

/**
 * CreateQueue of a name deleted less than 60 s ago: the JSON protocol's name, and the query
 * protocol's code (AWS.SimpleQueueService.QueueDeletedRecently). Waiting makes it go away.
 */
const DELETED_RECENTLY = /QueueDeletedRecently/;

/** AWS refused who we are, or the SDK found no one to be. */
const CREDENTIALS_REFUSED = /InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient|AccessDenied|ExpiredToken|CredentialsProviderError/;

/**
 * Codes AWS may answer a request signed at the wrong time with: the SDK's CLOCK_SKEW_ERROR_CODES
 * (@smithy/core retry). Some also mean a wrong key or signature, so the code alone does not say
 * the clock is wrong: the reply's Date header does (see sqs/clock-offset.ts).
 */
const CLOCK_SKEW = new Set([
  'AccessDeniedException',
  'AuthFailure',
  'InvalidSignatureException',
  'RequestExpired',
  'RequestInTheFuture',
  'RequestTimeTooSkewed',
  'SignatureDoesNotMatch',
]);

/** Codes only a wrong clock earns, and the words AWS uses for it in an otherwise generic code's message. */
const SKEW_ONLY = /RequestExpired|RequestInTheFuture|RequestTimeTooSkewed/;
const SKEW_MESSAGE = /Signature expired|Signature not yet current|time too skewed|too skewed/i;

/** Temporary credentials that ran out (or that AWS no longer knows): worth one forced refresh and one more try. */
const CREDENTIALS_EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'TokenRefreshRequired']);

export function isThrottle(code: string): boolean {
  return THROTTLE.has(code);
}

/** `status`, when given: any 5xx or 429 is worth another attempt (a whole reply's verdict is isRetryableReply's). */
export function isRetryable(code: string, status = 0): boolean {
  return RETRYABLE.has(code) || status >= 500 || status === 429;
}

export function isNetwork(code: string): boolean {
  return NETWORK.has(code);
}

export function isCredentialsRefused(code: string): boolean {
  return CREDENTIALS_REFUSED.test(code);
}

export function isClockSkewCode(code: string): boolean {
  return CLOCK_SKEW.has(code);
}

/** A refusal that names the clock as its cause (its code, or AWS's message for a generic code). */
export function isClockRefusal(code: string, message: string): boolean {
  return SKEW_ONLY.test(code) || (CLOCK_SKEW.has(code) && SKEW_MESSAGE.test(message));
}

export function isCredentialsExpired(code: string): boolean {
  return CREDENTIALS_EXPIRED.has(code);
}

/** The code of anything the SDK or Node threw: its `code`, the query protocol's `Code`, or its name. */
export function errorCodeOf(e: unknown): string {
  const err = e as { name?: string; code?: string; Code?: string } | undefined;
  return err?.code ?? err?.Code ?? err?.name ?? OWN_CODES.unknown;
}

/** Whether either protocol's way of naming the error (the SDK's name, or the query error code) matches. */
function namedAs(e: unknown, pattern: RegExp): boolean {
  return pattern.test(errorCodeOf(e)) || pattern.test(String((e as { name?: string } | undefined)?.name));
}

/** True for a missing queue, whichever protocol said so. */
export function isMissingQueue(e: unknown): boolean {
  return namedAs(e, MISSING_QUEUE);
}

/** True when SQS refuses a queue name because a queue of that name was deleted less than 60 s ago. */
export function isDeletedRecently(e: unknown): boolean {
  return namedAs(e, DELETED_RECENTLY);
}

/** Occurrences of throttling codes in a count of errors by code. */
export function throttleCount(errors: Record<string, number>): number {
  let n = 0;
  for (const [code, count] of Object.entries(errors)) if (isThrottle(code)) n += count;
  return n;
}

/** OpenSSL's verdicts on a server certificate the client does not trust (Node's error codes). */
const UNTRUSTED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isUntrustedCertificate(code: string): boolean {
  return UNTRUSTED_CERTIFICATE.has(code);
}
