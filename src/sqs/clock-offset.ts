/**
 * The hot path's correction of a wrong local clock, the way the AWS SDK corrects its own
 * (`systemClockOffset`, @aws-sdk/core's AwsSdkSigV4Signer): AWS refuses a signature dated more
 * than 5 minutes from its clock, and says so with a clock-skew code (error-codes.ts) and its own
 * time in the reply's Date header. From then on requests are signed at now + offset. One offset
 * for the whole process: every worker thread reads and writes the same slot of shared memory
 * (metrics/live.ts CONTROL.clockOffset), so a skew costs one refused call per lane, not per
 * thread and per lane over and over.
 */
import { isClockSkewCode } from './error-codes.js';

/** The SDK's threshold: a signature more than this far from the server's time counts as skewed (AWS refuses at 5 min). */
export const SKEW_THRESHOLD_MS = 240_000;

/** Where the offset lives: ms to add to Date.now() to get the server's time. */
export interface ClockOffset {
  get(): number;
  set(ms: number): void;
}

/** One thread's own offset (tests, a wire outside a run). */
export class LocalClockOffset implements ClockOffset {
  private ms = 0;
  get(): number {
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

/** An Int32 slot of shared memory: ±24 days in ms, far beyond any clock AWS would still talk to. */
export class SharedClockOffset implements ClockOffset {
  constructor(
    private readonly words: Int32Array,
    private readonly index: number,
  ) {}
  get(): number {
    return Atomics.load(this.words, this.index);
  }
  set(ms: number): void {
    Atomics.store(this.words, this.index, Math.max(-0x7fffffff, Math.min(0x7fffffff, Math.round(ms))));
  }
}

/**
 * What a refusal says of the clock: the offset to sign with from now on, or undefined when the
 * clock was not the cause (then the refusal stands: a wrong key or signature). `signedAt` is the
 * moment the refused request was signed for (Date.now() + the offset then), `wallNow` Date.now().
 * The request's own date decides, not the shared offset: another thread may have corrected the
 * offset since this request was signed, and this request still deserves its retry.
 */
export function correctedOffset(code: string, serverDate: string | undefined, signedAt: number, wallNow: number, current: number): number | undefined {
  if (!serverDate || !isClockSkewCode(code)) return undefined;
  const server = Date.parse(serverDate);
  if (Number.isNaN(server)) return undefined;
  if (Math.abs(server - signedAt) < SKEW_THRESHOLD_MS) return undefined;
  // Keep an offset that is already right (set by another thread, or this request was signed
  // long before it left: a paced request signed ahead), so threads do not flap between values
  // a second apart (Date has whole seconds).
  return Math.abs(wallNow + current - server) < SKEW_THRESHOLD_MS ? current : server - wallNow;
}

/**
 * The offset an SDK client has learned (its config's `systemClockOffset`, which the SDK sets from
 * a skew refusal's Date header and keeps), for the hot path to start on: setup's calls meet a skew
 * before any worker does, so seeding the shared offset with it signs every lane's first call
 * right instead of having each one refused once. 0 when the SDK learned nothing.
 */
export function sdkClockOffset(client: { config: { systemClockOffset?: number } }): number {
  const ms = client.config.systemClockOffset ?? 0;
  return Number.isFinite(ms) ? Math.round(ms) : 0;
}
