/** The one rule both waits use: is every shard's latest attempt final? (src/ledger/completeness.ts) */
import { describe, expect, it } from 'vitest';
import { lackingText, ledgerState } from '../src/ledger/completeness.js';
import type { Result } from '../src/result/document.js';

function doc(kind: 'send' | 'drain', shard: number, at: number, final: boolean, extra: Partial<Result> = {}): Result {
  return { kind, runId: 'r1', shard, shards: 2, sent: kind === 'send' ? 10 : 0, received: kind === 'drain' ? 10 : 0, endedAt: at, attempt: { pod: `p-${kind}-${shard}-${at}`, controllerUid: `uid-${kind}`, final, checkpoints: 0, at }, ...extra } as Result;
}

describe('ledgerState', () => {
  it('is complete when every kind and shard has a final latest attempt', () => {
    const s = ledgerState([doc('send', 0, 1, true), doc('send', 1, 1, true), doc('drain', 0, 1, true), doc('drain', 1, 1, true)], { kinds: ['send', 'drain'], shards: 2 });
    expect(s).toMatchObject({ complete: true, lacking: [], sent: 20, received: 20, objects: 4 });
  });

  it('a killed attempt (checkpoint) is lacking until a later attempt of its shard is final; a missing shard is lacking', () => {
    const killed = doc('send', 1, 5, false);
    expect(ledgerState([doc('send', 0, 1, true), killed], { kinds: ['send'], shards: 2 }).lacking).toEqual(['send 1']);
    expect(ledgerState([doc('send', 0, 1, true), killed, doc('send', 1, 9, true)], { kinds: ['send'], shards: 2 }).complete).toBe(true);
    // An older final does not make a newer checkpoint (the retry still running) final.
    expect(ledgerState([doc('send', 0, 1, true), doc('send', 1, 1, true), doc('send', 1, 9, false)], { kinds: ['send'], shards: 2 }).lacking).toEqual(['send 1']);
    expect(ledgerState([doc('send', 0, 1, true)], { kinds: ['send', 'drain'], shards: 2 }).lacking).toEqual(['send 1', 'drain 0', 'drain 1']);
  });

  it('without expectations (report --wait) reads the shards from the objects, and a Job-run send implies its drains', () => {
    expect(ledgerState([]).expected).toBeUndefined();
    const s = ledgerState([doc('send', 0, 1, true), doc('send', 1, 1, true)]);
    expect(s.expected).toEqual({ kinds: ['drain', 'send'], shards: 2 });
    expect(s.complete).toBe(false);
    expect(lackingText(s.lacking)).toBe('drain shards 0, 1');
    const local = ledgerState([doc('send', 0, 1, true, { attempt: undefined }), doc('send', 1, 1, true, { attempt: undefined })]);
    expect(local).toMatchObject({ complete: true, expected: { kinds: ['send'], shards: 2 } });
  });

  it('counts only the applies it is told to (the Jobs k8s run applied)', () => {
    const other = { ...doc('send', 0, 9, false), attempt: { pod: 'old', controllerUid: 'uid-old', final: false, checkpoints: 0, at: 9 } };
    expect(ledgerState([doc('send', 0, 1, true), other], { kinds: ['send'], shards: 1 }, ['uid-send']).complete).toBe(true);
  });
});
