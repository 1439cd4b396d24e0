/**
 * A claimed batch of mixed sizes, cut into SendMessageBatch requests that each stay within SQS's
 * 1 MiB per request (bodies and attributes together): filled by bytes as well as by count. The
 * entries keep their indexes, so the seqs stay dense however a batch is cut.
 */
/** SendMessageBatch's limit on one request's messages (bodies and attributes). */
export const MAX_REQUEST_BYTES = 1_048_576;

export function fillByBytes(count: number, messageBytes: (entry: number) => number, limit: number): number[][] {
  const requests: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const b = messageBytes(i);
    if (current.length && bytes + b > limit) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += b;
  }
  if (current.length) requests.push(current);
  return requests;
}
