/**
 * Live errors by code for /metrics. Codes are open-ended strings and a worker can only write
 * fixed slots of shared memory, so every code sqs/error-codes.ts names (plus the common refusals
 * below) has a slot and any other code counts as `other`, while the run lasts and in the final
 * figures alike: a counter never goes down, and the final scrape sums to the result's errors.
 */
import { NAMED_CODES } from '../sqs/error-codes.js';

export const OTHER_CODE = 'other';
const REFUSALS = ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'AccessDenied', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'KMS.ThrottlingException', 'OverLimit', 'InvalidParameterValue'];
/** The slot names, in order; the last is `other`. */
export const LIVE_CODES: readonly string[] = [...new Set([...NAMED_CODES, ...REFUSALS]), OTHER_CODE];
const SLOT = new Map(LIVE_CODES.map((c, i) => [c, i]));

/** The label a code is shown under. */
export function liveCode(code: string): string {
  return SLOT.has(code) ? code : OTHER_CODE;
}

export function createErrorCodeBuffer(rows: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(1, rows) * LIVE_CODES.length * 8);
}

/** A worker's row of error counts by code (errors are rare: a map lookup each is no cost). */
export class ErrorCodeWriter {
  private readonly slots: Float64Array;

  constructor(buffer: SharedArrayBuffer, row: number) {
    this.slots = new Float64Array(buffer, row * LIVE_CODES.length * 8, LIVE_CODES.length);
  }

  add(code: string): void {
    this.slots[SLOT.get(code) ?? LIVE_CODES.length - 1]++;
  }
}

/** Errors by shown code over all rows (codes never seen are left out). */
export function readErrorCodes(buffer: SharedArrayBuffer, rows: number): Record<string, number> {
  const all = new Float64Array(buffer);
  const out: Record<string, number> = {};
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < LIVE_CODES.length; i++) {
      const n = all[r * LIVE_CODES.length + i];
      if (n) out[LIVE_CODES[i]] = (out[LIVE_CODES[i]] ?? 0) + n;
    }
  }
  return out;
}

/** A result's errors by code, folded the same way. */
export function foldErrorCodes(errors: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, n] of Object.entries(errors)) out[liveCode(code)] = (out[liveCode(code)] ?? 0) + n;
  return out;
}
