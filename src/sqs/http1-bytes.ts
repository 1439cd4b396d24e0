/**
 * Reading an HTTP/1.1 reply head on its bytes: the few header names the client looks at, and
 * compares that need no string per header (see http1-connection.ts).
 */

/** Header names in lower case; replies may spell them in any case. */
export const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
export const CRLF = Buffer.from('\r\n', 'latin1');
export const HTTP_1 = Buffer.from('http/1.', 'latin1');
export const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
export const TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1');
export const CONNECTION = Buffer.from('connection', 'latin1');
export const CLOSE = Buffer.from('close', 'latin1');
export const QUERY_ERROR = Buffer.from('x-amzn-query-error', 'latin1');
export const ERROR_TYPE = Buffer.from('x-amzn-errortype', 'latin1');
export const DATE = Buffer.from('date', 'latin1');

/** Do bytes [start, end) spell `lower` (lower-case ASCII), ignoring the case of letters? */
export function bytesAre(buf: Buffer, start: number, end: number, lower: Buffer): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = buf[start + i];
    const want = lower[i];
    if (c !== want && !(want >= 0x61 && want <= 0x7a && c === want - 0x20)) return false;
  }
  return true;
}

/** The decimal number spelled by bytes [start, end), or -1 if they are not 1-15 digits. */
export function digitsAt(buf: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

export const isBlank = (c: number) => c === 0x20 || c === 0x09;
