/**
 * How SQS bills: every call is a request, and each 64 KB (65,536 bytes) of payload in it is one
 * more; an empty receive is one request too. The result's `cost` adds these up per action.
 */
const BILLED_CHUNK_BYTES = 65_536;

/** Requests SQS bills for one call carrying this many payload bytes. */
export function billedRequests(payloadBytes: number): number {
  return Math.max(1, Math.ceil(payloadBytes / BILLED_CHUNK_BYTES));
}

/**
 * SNS bills a publish the same way, each 64 KB chunk of a call's published data one request
 * (a PublishBatch of ten 10 KB messages is 2), at $0.50 per million for standard topics
 * (us-east-1 list price, aws.amazon.com/sns/pricing, as read in 2025; the first million a month
 * are free, which is not subtracted). Its deliveries to SQS queues cost nothing on the SNS side;
 * each one is a request on the SQS side, priced as SQS's (--price-per-million).
 */
export const SNS_PUBLISH_PRICE_PER_MILLION = 0.5;
