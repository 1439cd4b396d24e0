/**
 * One table of error codes, read the same way by the hot path (retries, backoff), setup (a missing
 * queue), and the `throttles` metric. Missing-queue errors come from the real server, through the
 * SDK and through the lean wire path, since their codes are whatever those two make of its reply.
 */
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { asSqsError, SqsError } from '../src/errors.js';
import { emptyResult } from '../src/result/document.js';
import { evaluate, parseThreshold } from '../src/report/thresholds.js';
import { errorCodeOf, isMissingQueue, isRetryable, isThrottle, OWN_CODES } from '../src/sqs/error-codes.js';
import { backoffMs } from '../src/sqs/retry.js';
import { SqsWire } from '../src/sqs/wire.js';
import { endpoint, sdk, uniquePrefix } from './helpers.js';

const THROTTLES = ['ThrottlingException', 'RequestThrottled', 'KmsThrottled', 'Http429'];

describe('error codes', () => {
  it('every throttle is retried, from the longer backoff base; other retryable codes from the short one', () => {
    for (const code of THROTTLES) {
      expect(isThrottle(code), code).toBe(true);
      expect(isRetryable(code), code).toBe(true);
      expect(backoffMs(0, code, () => 1), code).toBe(200);
    }
    for (const code of ['InternalError', 'ServiceUnavailable', 'ECONNRESET', 'TimeoutError', 'InvalidResponse']) {
      expect(isRetryable(code), code).toBe(true);
      expect(isThrottle(code), code).toBe(false);
      expect(backoffMs(0, code, () => 1), code).toBe(50);
    }
    expect(isRetryable('InvalidParameterValue')).toBe(false);
    expect(isRetryable('SomethingNew', 503)).toBe(true);
    expect(isRetryable('SomethingNew', 400)).toBe(false);
  });

  it('the throttles metric counts every throttling code, and nothing else', () => {
    const r = emptyResult('send', 'r');
    r.errors = { ThrottlingException: 1, RequestThrottled: 2, KmsThrottled: 3, Http429: 4, InternalError: 100 };
    const [outcome] = evaluate(r, [parseThreshold('throttles<=10')]);
    expect(outcome.actual).toBe(10);
    expect(outcome.ok).toBe(true);
  });

  it('a missing queue is recognised as the SDK reports it, and as the wire path reports it', async () => {
    const name = uniquePrefix('missing');
    const fromSdk = await sdk()
      .send(new GetQueueUrlCommand({ QueueName: name }))
      .then(() => undefined, (e: unknown) => e);
    expect(fromSdk).toBeDefined();
    expect(isMissingQueue(fromSdk), errorCodeOf(fromSdk)).toBe(true);

    const config = resolveConfig('send', { endpoint: endpoint() }, {});
    const wire = new SqsWire(config.connection, 1);
    try {
      const url = `${endpoint()}/000000000000/${name}`;
      const fromWire = await wire
        .call('SendMessageBatch', JSON.stringify({ QueueUrl: url, Entries: [{ Id: '0', MessageBody: 'x' }] }))
        .then(() => undefined, (e: unknown) => e);
      expect(fromWire).toBeInstanceOf(SqsError);
      expect(isMissingQueue(fromWire), (fromWire as SqsError).code).toBe(true);
      expect((fromWire as SqsError).retryable).toBe(false);
    } finally {
      wire.close();
    }
    expect(isMissingQueue(new Error('socket hang up'))).toBe(false);
  });

  it('whatever a call throws becomes an SqsError; an unknown one is final', () => {
    const known = new SqsError('ThrottlingException', 'slow down', true, 400);
    expect(asSqsError(known)).toBe(known);
    const unknown = asSqsError(new TypeError('boom'));
    expect(unknown).toMatchObject({ code: OWN_CODES.unknown, retryable: false });
    expect(unknown.message).toContain('boom');
  });
});
