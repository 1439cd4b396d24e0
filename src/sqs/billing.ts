/**
 * How SQS bills: every call is a request, and each 64 KB (65,536 bytes) of payload in it is one
 * more; an empty receive is one request too. The result's `cost` adds these up per action.
 */
const BILLED_CHUNK_BYTES = 65_536;

/** Requests SQS bills for one call carrying this many payload bytes. */
export function billedRequests(payloadBytes: number): number {
  return Math.max(1, Math.ceil(payloadBytes / BILLED_CHUNK_BYTES));
}
