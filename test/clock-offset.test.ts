import { describe, expect, it } from 'vitest';
import { correctedOffset, SharedClockOffset, SKEW_THRESHOLD_MS } from '../src/sqs/clock-offset.js';
import { isClockRefusal, isClockSkewCode } from '../src/sqs/error-codes.js';
import { setupError } from '../src/sqs/queues.js';

describe('clock offset from a refused request', () => {
  const wall = Date.parse('2026-12-02T00:00:00.400Z');
  // The server's clock 15 minutes ahead of ours, in a Date header's whole seconds.
  const ahead = new Date(wall + 900_000).toUTCString();

  it('learns the server clock from a skew refusal of a request signed on our clock', () => {
    const offset = correctedOffset('InvalidSignatureException', ahead, wall, wall, 0);
    expect(offset).toBeGreaterThan(900_000 - 1000);
    expect(offset).toBeLessThanOrEqual(900_000);
  });

  it('keeps an offset another thread already set, but still asks for the retry', () => {
    // This request was signed before the correction: refused, retried at the shared offset.
    expect(correctedOffset('SignatureDoesNotMatch', ahead, wall, wall, 899_700)).toBe(899_700);
  });

  it('corrects a wrong offset back (the clock was put right mid-run)', () => {
    const now = new Date(wall).toUTCString();
    expect(Math.abs(correctedOffset('RequestExpired', now, wall + 900_000, wall, 900_000)!)).toBeLessThan(1000);
  });

  it('is not the clock when the request was signed close to the server time, the code is not a skew code, or there is no Date', () => {
    const close = new Date(wall + SKEW_THRESHOLD_MS - 2000).toUTCString();
    expect(correctedOffset('SignatureDoesNotMatch', close, wall, wall, 0)).toBeUndefined();
    expect(correctedOffset('ThrottlingException', ahead, wall, wall, 0)).toBeUndefined();
    expect(correctedOffset('InvalidSignatureException', undefined, wall, wall, 0)).toBeUndefined();
    expect(correctedOffset('InvalidSignatureException', 'not a date', wall, wall, 0)).toBeUndefined();
  });

  it('uses the SDK list of clock-skew codes, and names the clock only when the refusal says so', () => {
    for (const code of ['InvalidSignatureException', 'SignatureDoesNotMatch', 'RequestExpired', 'RequestTimeTooSkewed', 'AuthFailure']) expect(isClockSkewCode(code)).toBe(true);
    expect(isClockSkewCode('ExpiredToken')).toBe(false);
    expect(isClockRefusal('InvalidSignatureException', 'Signature expired: 20261202T000000Z is now earlier than 20261202T001000Z (20261202T001500Z - 5 min.)')).toBe(true);
    expect(isClockRefusal('RequestExpired', 'Request has expired')).toBe(true);
    expect(isClockRefusal('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.')).toBe(false);
  });

  it('is one value for every thread sharing the slot', () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const a = new SharedClockOffset(words, 1);
    const b = new SharedClockOffset(new Int32Array(words.buffer), 1);
    a.set(900_123.6);
    expect(b.get()).toBe(900_124);
    a.set(-1e12);
    expect(b.get()).toBe(-0x7fffffff);
  });
});

describe('a skew at setup', () => {
  const sdkError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

  it('says the clock is the cause, not the credentials', () => {
    const skew = setupError(sdkError('InvalidSignatureException', 'Signature expired: 20261202T000000Z is now earlier than 20261202T001000Z (20261202T001500Z - 5 min.)'), 'https://sqs', 'checking queue q');
    expect(skew.message).toMatch(/clock is off/);
    expect(skew.message).not.toMatch(/AWS_PROFILE/);
    const wrongKey = setupError(sdkError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'), 'https://sqs', 'checking queue q');
    expect(wrongKey.message).toMatch(/refused the credentials.*AWS_PROFILE/);
  });
});
