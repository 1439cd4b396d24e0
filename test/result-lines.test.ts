/**
 * Result lines through log pipelines: a drain pod's result the size of a 20-shard, 1M-message
 * run (~170 KB) printed as chunks, then carried by kubectl (--prefix, --timestamps), by CRI log
 * files with 16 KiB partial records, by a shipper that cuts every line at 16 KiB, collected twice,
 * shuffled, or with a chunk lost. The report is exact or refused, never silently wrong.
 */
import { describe, expect, it } from 'vitest';
import { IntegrityTracker } from '../src/metrics/integrity.js';
import { emptyResult, finalize, resultLine, type Result } from '../src/result/document.js';
import { CHUNK_CHARS, contentSha, parseResults, ResultCollector, resultChunks } from '../src/result/lines.js';

const KIB16 = 16 * 1024;

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One of two drain pods of a 20-shard, 1M run: competing pollers share every shard's messages
 * about evenly and at random, so its bitmaps barely compress (~125 KB, as the issue measured).
 */
function bigDrainResult(shard = 3, runId = 'bigrun01'): Result {
  const r = emptyResult('drain', runId, shard, 20);
  const t = new IntegrityTracker();
  const rnd = random(shard + 1);
  let received = 0;
  for (let s = 0; s < 20; s++) {
    for (let seq = 0; seq < 50_000; seq++) {
      if (rnd() < 0.5) continue;
      t.observe({ runId, shard: s, shards: 20, seq, of: 50_000, total: 1_000_000, sentAt: 0 });
      received++;
    }
  }
  Object.assign(r, { received, deleted: received, integrity: t.toJSON(), phases: { drain: { startedAt: 1_000, endedAt: 61_000 } }, startedAt: 1_000, endedAt: 61_000 });
  r.partial = true;
  return finalize(r);
}

/**
 * Built at first use, in a test: built at import, it would be rebuilt by every mutation-testing
 * run of this file (npm run mutate), and the code it runs would count as reached by no test.
 */
let fixture: { big: Result; json: string; chunks: string[] } | undefined;
function fixtures(): { big: Result; json: string; chunks: string[] } {
  if (!fixture) {
    const big = bigDrainResult();
    const json = JSON.stringify(big);
    fixture = { big, json, chunks: resultChunks(big, json, 'nonce01') };
  }
  return fixture;
}

/** A CRI log file as containerd writes it: lines over 16 KiB become P records ending in an F record. */
function criLog(lines: string[], stream = 'stdout'): string[] {
  const out: string[] = [];
  for (const line of lines) {
    for (let at = 0; ; at += KIB16) {
      const piece = line.slice(at, at + KIB16);
      const last = at + KIB16 >= line.length;
      out.push(`2026-11-27T04:13:0${out.length % 10}.123456789Z ${stream} ${last ? 'F' : 'P'} ${piece}`);
      if (last) break;
    }
  }
  return out;
}

describe('result chunks', () => {
  it('keep every line of a 1M-run drain result far below 16 KiB and read back to the same result', () => {
    expect(fixtures().json.length).toBeGreaterThan(150_000);
    expect(fixtures().chunks.length).toBeGreaterThan(10);
    for (const c of fixtures().chunks) expect(Buffer.byteLength(c)).toBeLessThanOrEqual(CHUNK_CHARS + 120);
    expect(fixtures().chunks[0]).toMatch(/^SQS_BLAST_RESULT_CHUNK v1 drain\/bigrun01\/3\/nonce01 1\/\d+ [0-9a-f]{16} 8000 [A-Za-z0-9+/]+$/);
    expect(parseResults(['starting', ...fixtures().chunks, 'done'].join('\n'), 'log')).toEqual([fixtures().big]);
  });

  it('are found behind kubectl --prefix and --timestamps', () => {
    const log = fixtures().chunks.map((c, i) => `[pod/sqs-blast-drain-3-x7k2p/sqs-blast] 2026-11-27T04:13:${String(i % 60).padStart(2, '0')}.000000000Z ${c}`).join('\n');
    expect(parseResults(log, 'kubectl')).toEqual([fixtures().big]);
  });

  it('survive a CRI log whose 16 KiB partial records are joined first, beside an old one-line result', () => {
    // The old one-line form of a result this size is ~170 KB: containerd writes it as 10 P records and an F.
    const other = bigDrainResult(4, 'bigrun02');
    const legacy = resultLine(other);
    const cri = [...criLog(['[10s] received 100000', legacy]), ...criLog(['a warning'], 'stderr'), ...criLog(fixtures().chunks)];
    expect(cri.filter((l) => / stdout P /.test(l)).length).toBeGreaterThanOrEqual(10);
    // Interleave a stderr record between the stdout partials, as the runtime may.
    cri.splice(3, 0, '2026-11-27T04:13:05.000000000Z stderr F interleaved');
    const found = parseResults(cri.join('\n'), '0.log');
    expect(found).toHaveLength(2);
    expect(found).toContainEqual(fixtures().big);
    expect(found).toContainEqual(other);
  });

  it('give the exact result when a shipper cuts every line at 16 KiB, and refuse an old line it cut', () => {
    const cut = (lines: string[]) => lines.map((l) => l.slice(0, KIB16)).join('\n');
    expect(parseResults(cut(fixtures().chunks), 'shipped')).toEqual([fixtures().big]);
    expect(() => parseResults(cut([resultLine(fixtures().big)]), 'shipped')).toThrow(/^shipped: a SQS_BLAST_RESULT line is cut or corrupt \(drain, run bigrun01, shard 3\) at 16367 bytes; collect the whole log/);
  });

  it('refuse a result with a lost chunk, naming kind, run id and shard', () => {
    const lost = fixtures().chunks.filter((_, i) => i !== 4);
    expect(() => parseResults(lost.join('\n'), 'stdin')).toThrow(
      new RegExp(`^stdin: the drain result of run bigrun01 shard 3 \\(attempt nonce01\\) lacks chunk 5 of ${fixtures().chunks.length}; collect the whole log`),
    );
  });

  it('refuse a corrupt chunk (same length, one character changed) and a cut one', () => {
    const flipped = [...fixtures().chunks];
    const c = flipped[2];
    flipped[2] = c.slice(0, -10) + (c.at(-10) === 'A' ? 'B' : 'A') + c.slice(-9);
    expect(() => parseResults(flipped.join('\n'), 'stdin')).toThrow(/the drain result of run bigrun01 shard 3 \(attempt nonce01\) (fails its checksum|does not decode)/);
    const cut = [...fixtures().chunks];
    cut[6] = cut[6].slice(0, 5000);
    expect(() => parseResults(cut.join('\n'), 'stdin')).toThrow(/shard 3 \(attempt nonce01\) has cut chunk 7 of/);
  });

  it('refuse chunks that decode cleanly to a result other than the one their checksum names', () => {
    // gzip's own CRC passes here: the payload is a whole, valid result, only not the one the
    // header's SHA-256 belongs to (e.g. two runs' chunks crossed under one id). Only the sha check can refuse it.
    const small = emptyResult('send', 'smallrun', 0, 1);
    const other = { ...small, sent: 1 };
    const [line] = resultChunks(small, JSON.stringify(other), 'nonce09');
    const forged = line.replace(/ [0-9a-f]{16} /, ` ${contentSha(JSON.stringify(small))} `);
    expect(forged).not.toBe(line);
    expect(parseResults(line, 'log')).toEqual([other]);
    expect(() => parseResults(forged, 'log')).toThrow(/^log: the send result of run smallrun shard 0 \(attempt nonce09\) fails its checksum \(corrupt chunks\); collect the whole log/);
  });

  it('give the same result shuffled, repeated, or with a cut copy beside a whole one', () => {
    const rnd = random(7);
    const shuffled = [...fixtures().chunks, ...fixtures().chunks.slice(0, 5), fixtures().chunks[6].slice(0, 100)].sort(() => rnd() - 0.5);
    expect(parseResults(shuffled.join('\n'), 'twice')).toEqual([fixtures().big]);
  });

  it('keep two attempts of one shard apart, and join one result split over two files', () => {
    const retry = { ...fixtures().big, startedAt: fixtures().big.startedAt + 1 };
    const second = resultChunks(retry, JSON.stringify(retry), 'nonce02');
    expect(parseResults([...fixtures().chunks, ...second].join('\n'), 'x')).toHaveLength(2);
    const c = new ResultCollector();
    c.add(fixtures().chunks.slice(0, 5).join('\n'), '0.log.1');
    c.add(fixtures().chunks.slice(5).join('\n'), '0.log');
    expect(c.results().map((r) => r.result)).toEqual([fixtures().big]);
  });

  it('refuse a chunk format from another version by name', () => {
    const v2 = fixtures().chunks[0].replace(' v1 ', ' v2 ');
    expect(() => parseResults(v2, 'x')).toThrow(/^x: the drain result of run bigrun01 shard 3 is in chunk format v2/);
  });
});

describe('result lines, small and exact', () => {
  const small = finalize(Object.assign(emptyResult('send', 'tiny01', 2, 4), { sent: 5 }));
  const smallJson = JSON.stringify(small);
  const one = resultChunks(small, smallJson, 'nonce03');

  it('a result that fits one chunk is one line, 1/1, its length and checksum in the header', () => {
    expect(one).toHaveLength(1);
    const [, version, id, place, sha, len, payload] = one[0].split(' ');
    expect([version, id, place, sha]).toEqual(['v1', 'send/tiny01/2/nonce03', '1/1', contentSha(smallJson)]);
    expect(Number(len)).toBe(payload.length);
    expect(contentSha(smallJson)).toMatch(/^[0-9a-f]{16}$/);
    // The process's nonce by default: the same for every result this process prints.
    expect(resultChunks(small, smallJson)[0].split(' ')[2]).toMatch(/^send\/tiny01\/2\/[0-9a-z]{7}$/);
  });

  it('splits at exactly CHUNK_CHARS payload characters', () => {
    const lines = resultChunks(fixtures().big, fixtures().json, 'n');
    const lens = lines.map((l) => Number(l.split(' ')[5]));
    expect(lens.slice(0, -1).every((n) => n === CHUNK_CHARS)).toBe(true);
    expect(lens.at(-1)).toBeGreaterThan(0);
    expect(lens.at(-1)).toBeLessThanOrEqual(CHUNK_CHARS);
    expect(lines.at(-1)!.split(' ')[3]).toBe(`${lines.length}/${lines.length}`);
  });

  it('reads a whole JSON document, and JSON lines of old one-line results among other text', () => {
    expect(parseResults(`  ${smallJson}\n`, 'file')).toEqual([small]);
    expect(parseResults(`{"not":"a result"}`, 'file')).toEqual([]);
    const other = { ...small, shard: 3 };
    expect(parseResults(`{"level":"info"}\n${resultLine(small)}\nINFO ${resultLine(other)}\r\n`, 'log')).toEqual([small, other]);
    // A line that is one JSON document but not a whole text of one: scanned as lines.
    expect(parseResults(`{ broken\n${resultLine(small)}`, 'log')).toEqual([small]);
    // An old line holding JSON that is not a result is passed over.
    expect(parseResults('SQS_BLAST_RESULT {"schema":"other"}', 'log')).toEqual([]);
  });

  it('names what a cut old line still tells, or nothing when it tells nothing', () => {
    expect(() => parseResults('SQS_BLAST_RESULT {"schema":"sqs-blast/result@1","kind":"drain","runId":"r5","shard":7,"x', 'a.log')).toThrow(
      /^a\.log: a SQS_BLAST_RESULT line is cut or corrupt \(drain, run r5, shard 7\) at \d+ bytes; collect the whole log/,
    );
    expect(() => parseResults('SQS_BLAST_RESULT {"schema', 'b.log')).toThrow(/^b\.log: a SQS_BLAST_RESULT line is cut or corrupt at 8 bytes; /);
  });

  it('refuses a damaged header, naming the result when its id can still be read', () => {
    const damaged = one[0].replace(/ 1\/1 /, ' 1of1 ');
    expect(() => parseResults(damaged, 'x')).toThrow(/^x: a SQS_BLAST_RESULT_CHUNK line of the send result of run tiny01 shard 2 is cut or corrupt; collect the whole log/);
    expect(() => parseResults('SQS_BLAST_RESULT_CHUNK v1 garbage', 'x')).toThrow(/^x: a SQS_BLAST_RESULT_CHUNK line of a result is cut or corrupt/);
  });

  it('refuses chunks of one attempt that disagree on their count or checksum, or a place outside it', () => {
    const two = resultChunks(fixtures().big, fixtures().json, 'n2').slice(0, 2);
    const recount = two[1].replace(/ 2\/(\d+) /, (_, n: string) => ` 2/${Number(n) + 1} `);
    expect(() => parseResults([two[0], recount].join('\n'), 'x')).toThrow(/^x: chunks of the drain result of run bigrun01 shard 3 \(attempt n2\) disagree/);
    const resum = two[1].replace(/ [0-9a-f]{16} /, ' 0000000000000000 ');
    expect(() => parseResults([two[0], resum].join('\n'), 'x')).toThrow(/disagree/);
    const n = resultChunks(fixtures().big, fixtures().json, 'n3').length;
    const beyond = resultChunks(fixtures().big, fixtures().json, 'n3')[0].replace(/ 1\/(\d+) /, ` ${n + 1}/${n} `);
    expect(() => parseResults(beyond, 'x')).toThrow(/disagree/);
    const zero = resultChunks(fixtures().big, fixtures().json, 'n4')[0].replace(/ 1\/(\d+) /, ` 0/${n} `);
    expect(() => parseResults(zero, 'x')).toThrow(/disagree/);
  });

  it('refuses two whole copies of one chunk that differ, and keeps a whole copy over a cut one either way round', () => {
    const lines = resultChunks(fixtures().big, fixtures().json, 'n5');
    const c = lines[1];
    const alt = c.slice(0, -1) + (c.endsWith('A') ? 'B' : 'A');
    expect(() => parseResults([...lines, alt].join('\n'), 'x')).toThrow(/^x: two different copies of chunk 2\/\d+ of the drain result of run bigrun01 shard 3 \(attempt n5\)/);
    const cut = c.slice(0, 200);
    expect(parseResults([cut, ...lines].join('\n'), 'x')).toEqual([fixtures().big]);
    expect(parseResults([...lines, cut].join('\n'), 'x')).toEqual([fixtures().big]);
  });

  it('lists every lacking and cut chunk, in order', () => {
    const lines = resultChunks(fixtures().big, fixtures().json, 'n6');
    const n = lines.length;
    const kept = lines.filter((_, i) => i !== 0 && i !== 2).map((l, i) => (i === 0 || i === 1 ? l.slice(0, 300) : l));
    expect(() => parseResults(kept.join('\n'), 'x')).toThrow(new RegExp(`\\(attempt n6\\) lacks chunks 1, 3 and has cut chunks 2, 4 of ${n}; `));
  });

  it('joins CRI partial records per stream, and passes on a log that ends inside one', () => {
    const line = resultLine(small);
    const cri = [
      `2026-11-27T04:13:00.1Z stdout P ${line.slice(0, 50)}`,
      '2026-11-27T04:13:00.2Z stderr F a warning',
      `2026-11-27T04:13:00.3Z stdout F ${line.slice(50)}`,
    ].join('\n');
    expect(parseResults(cri, 'cri')).toEqual([small]);
    const open = `2026-11-27T04:13:00.1Z stdout P ${line.slice(0, 50)}\n2026-11-27T04:13:00.1Z stdout P ${line.slice(50)}`;
    expect(parseResults(open, 'cri')).toEqual([small]);
    // An F record with no content is an empty line.
    expect(parseResults('2026-11-27T04:13:00.1Z stdout F', 'cri')).toEqual([]);
  });

  it('reads results and burst documents apart, found in the order given', () => {
    const c = new ResultCollector();
    expect(c.add(smallJson, 'a.json')).toBe(1);
    expect(c.add(`x\n${one[0]}\ny`, 'b.log')).toBe(1);
    expect(c.add('nothing here', 'c.log')).toBe(0);
    expect(c.results()).toEqual([
      { result: small, source: 'a.json' },
      { result: small, source: 'b.log' },
    ]);
    expect(c.bursts()).toEqual([]);
  });
});
