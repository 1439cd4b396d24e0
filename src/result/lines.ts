/**
 * Result lines that survive log pipelines. A drain pod's result can be hundreds of KB; containerd
 * splits lines over 16 KiB into partial records and shippers cut lines at 16 or 256 KiB. So the
 * result is printed as self-identifying chunks, each line well under 16 KiB:
 *
 *   SQS_BLAST_RESULT_CHUNK v1 <kind>/<runId>/<shard>/<nonce> <i>/<n> <sha> <len> <payload>
 *
 * - nonce: random per process, so two attempts of one shard (a retried Job index) stay apart;
 * - i/n: this chunk's place (1-based) and the count;
 * - sha: the first 16 hex digits of the SHA-256 of the result's compact JSON (the whole, not the
 *   chunk): it proves the reassembly and identifies the result across logs, files and S3;
 * - len, payload: a slice of at most CHUNK_CHARS characters of base64(gzip(JSON)); base64 has no
 *   spaces or quotes for a pipeline to trim or escape, and gzip halves the timeline's bulk.
 *
 * Readers find chunks anywhere in a line (kubectl --prefix / --timestamps), join CRI partial
 * records first, drop repeated copies (a log collected twice), and refuse (exit 2, naming kind,
 * run id and shard) any result with a missing, cut or corrupt chunk. The old one-line form
 * `SQS_BLAST_RESULT {json}` is still read. README "Result lines" documents the same format.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { UsageError } from '../errors.js';
import { isBurstDocument, type AnyBurstDocument } from './burst.js';
import { RESULT_PREFIX, SCHEMA, type Result } from './document.js';

export const CHUNK_MARK = 'SQS_BLAST_RESULT_CHUNK';
const VERSION = 'v1';
/** Payload characters per line: with the header a line stays near 8 KiB, half containerd's 16 KiB. */
export const CHUNK_CHARS = 8000;
const FIX = 'collect the whole log (kubectl logs --tail=-1 …) or read the result from --out s3://…';

/** Random per process: tells two attempts of one shard apart, in chunk ids and S3 keys. */
export const PROCESS_NONCE = randomBytes(4).readUInt32BE(0).toString(36).padStart(7, '0');

export function isResult(x: unknown): x is Result {
  return typeof x === 'object' && x !== null && (x as Result).schema === SCHEMA;
}

/** The identity of a result's content: equal for the same result read from a log, a file or S3. */
export function contentSha(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

/** The result as chunk lines (without newlines); `json` is JSON.stringify(result). */
export function resultChunks(result: { kind: string; runId: string; shard: number }, json: string, nonce = PROCESS_NONCE): string[] {
  const payload = gzipSync(json).toString('base64');
  const n = Math.max(1, Math.ceil(payload.length / CHUNK_CHARS));
  const id = `${result.kind}/${result.runId}/${result.shard}/${nonce}`;
  const sha = contentSha(json);
  return Array.from({ length: n }, (_, i) => {
    const slice = payload.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
    return `${CHUNK_MARK} ${VERSION} ${id} ${i + 1}/${n} ${sha} ${slice.length} ${slice}`;
  });
}

const CRI = /^\d{4}-\d\d-\d\dT\S+ (stdout|stderr) ([PF])(?: (.*))?$/;

/**
 * Lines as the program wrote them: CRI log files (`<time> stdout P <content>`) hold a line over
 * 16 KiB as partial (P) records ending in a full (F) one; those are joined per stream. Other
 * lines pass through.
 */
export function* logicalLines(text: string): Generator<string> {
  const open = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const m = CRI.exec(line);
    if (!m) {
      yield line;
      continue;
    }
    const [, stream, tag, content = ''] = m;
    if (tag === 'P') {
      open.set(stream, (open.get(stream) ?? '') + content);
      continue;
    }
    yield (open.get(stream) ?? '') + content;
    open.delete(stream);
  }
  // A log that ends inside a partial line: pass it on, the result parser judges what it holds.
  yield* open.values();
}

const CHUNK = /^SQS_BLAST_RESULT_CHUNK (\S+) ([^/\s]+)\/([^/\s]+)\/(\d+)\/([^/\s]+) (\d+)\/(\d+) ([0-9a-f]{16}) (\d+) ([A-Za-z0-9+/=]*)\s*$/;

interface ChunkSet {
  kind: string;
  runId: string;
  shard: string;
  n: number;
  sha: string;
  sources: Set<string>;
  /** Chunk index → payload; a cut copy is kept only until a whole one arrives. */
  parts: Map<number, { payload: string; whole: boolean }>;
}

const described = (c: { kind: string; runId: string; shard: string }) => `the ${c.kind} result of run ${c.runId} shard ${c.shard}`;

/** What a cut legacy line still tells: its kind, run id and shard, if they made it. */
function nameCut(text: string): string {
  const kind = /"kind":"(\w+)"/.exec(text)?.[1];
  const runId = /"runId":"([^"]+)"/.exec(text)?.[1];
  const shard = /"shard":(\d+)/.exec(text)?.[1];
  const known = [kind, runId && `run ${runId}`, shard !== undefined && `shard ${shard}`].filter(Boolean);
  return known.length ? ` (${known.join(', ')})` : '';
}

/**
 * Collects results from any number of texts (log files, stdin, JSON documents) and reassembles
 * chunks across them (a rotated log given as two files), then checks every result is whole.
 */
export class ResultCollector {
  private readonly sets = new Map<string, ChunkSet>();
  /** Results and burst documents (which travel the same ways), in the order found. */
  private readonly found: Array<{ doc: Result | AnyBurstDocument; source: string }> = [];

  /** Add one text; returns how many results or chunks it held. */
  add(text: string, source: string): number {
    const trimmed = text.trim();
    if (trimmed.startsWith('{')) {
      try {
        const doc = JSON.parse(trimmed) as unknown;
        if (isResult(doc) || isBurstDocument(doc)) {
          this.found.push({ doc, source });
          return 1;
        }
      } catch {
        // Not one document: scan it as lines (JSON lines, logs).
      }
    }
    let count = 0;
    for (const line of logicalLines(text)) {
      const at = line.indexOf(CHUNK_MARK + ' ');
      if (at >= 0) {
        this.addChunk(line.slice(at), source);
        count++;
        continue;
      }
      const legacy = line.indexOf(RESULT_PREFIX);
      if (legacy < 0) continue;
      const body = line.slice(legacy + RESULT_PREFIX.length);
      let doc: unknown;
      try {
        doc = JSON.parse(body);
      } catch {
        throw new UsageError(`${source}: a ${RESULT_PREFIX.trim()} line is cut or corrupt${nameCut(body)} at ${body.length} bytes; ${FIX}`);
      }
      if (isResult(doc)) {
        this.found.push({ doc, source });
        count++;
      }
    }
    return count;
  }

  private addChunk(line: string, source: string): void {
    const m = CHUNK.exec(line);
    if (!m) {
      // The header itself is damaged; say what of it can be read.
      const id = /^SQS_BLAST_RESULT_CHUNK \S+ ([^/\s]+)\/([^/\s]+)\/(\d+)/.exec(line);
      const what = id ? described({ kind: id[1], runId: id[2], shard: id[3] }) : 'a result';
      throw new UsageError(`${source}: a ${CHUNK_MARK} line of ${what} is cut or corrupt; ${FIX}`);
    }
    const [, version, kind, runId, shard, nonce, iRaw, nRaw, sha, lenRaw, payload] = m;
    if (version !== VERSION) {
      throw new UsageError(`${source}: ${described({ kind, runId, shard })} is in chunk format ${version}; read it with the sqs-blast version that wrote it`);
    }
    const [i, n, len] = [Number(iRaw), Number(nRaw), Number(lenRaw)];
    const key = `${kind}/${runId}/${shard}/${nonce}`;
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = { kind, runId, shard, n, sha, sources: new Set(), parts: new Map() }));
    set.sources.add(source);
    if (set.n !== n || set.sha !== sha || i < 1 || i > n) {
      throw new UsageError(`${source}: chunks of ${described(set)} (attempt ${nonce}) disagree (${set.n} vs ${n} chunks or another checksum); ${FIX}`);
    }
    const whole = payload.length === len;
    const have = set.parts.get(i);
    if (!have || (!have.whole && whole)) set.parts.set(i, { payload, whole });
    else if (whole && have.payload !== payload) {
      throw new UsageError(`${source}: two different copies of chunk ${i}/${n} of ${described(set)} (attempt ${nonce}); ${FIX}`);
    }
  }

  /** Every result found, chunks reassembled and verified; a damaged one throws (exit 2). */
  results(): Array<{ result: Result; source: string }> {
    return this.documents().flatMap(({ doc, source }) => (isResult(doc) ? [{ result: doc, source }] : []));
  }

  /** Every burst document found (whole files, or chunks reassembled and verified). */
  bursts(): Array<{ burst: AnyBurstDocument; source: string }> {
    return this.documents().flatMap(({ doc, source }) => (isBurstDocument(doc) ? [{ burst: doc, source }] : []));
  }

  private assembled?: Array<{ doc: Result | AnyBurstDocument; source: string }>;

  private documents(): Array<{ doc: Result | AnyBurstDocument; source: string }> {
    this.assembled ??= this.assemble();
    return this.assembled;
  }

  private assemble(): Array<{ doc: Result | AnyBurstDocument; source: string }> {
    const out = [...this.found];
    for (const [key, set] of this.sets) {
      const nonce = key.split('/').pop();
      const where = [...set.sources].join(', ');
      const lacking = [...Array(set.n).keys()].map((i) => i + 1).filter((i) => !set.parts.get(i)?.whole);
      if (lacking.length) {
        const cut = lacking.filter((i) => set.parts.has(i));
        const gone = lacking.filter((i) => !set.parts.has(i));
        const what = [gone.length && `lacks chunk${gone.length > 1 ? 's' : ''} ${gone.join(', ')}`, cut.length && `has cut chunk${cut.length > 1 ? 's' : ''} ${cut.join(', ')}`]
          .filter(Boolean)
          .join(' and ');
        throw new UsageError(`${where}: ${described(set)} (attempt ${nonce}) ${what} of ${set.n}; ${FIX}`);
      }
      let json: string;
      try {
        const payload = [...Array(set.n).keys()].map((i) => set.parts.get(i + 1)!.payload).join('');
        json = gunzipSync(Buffer.from(payload, 'base64')).toString('utf8');
      } catch {
        throw new UsageError(`${where}: ${described(set)} (attempt ${nonce}) does not decode (corrupt chunks); ${FIX}`);
      }
      if (contentSha(json) !== set.sha) {
        throw new UsageError(`${where}: ${described(set)} (attempt ${nonce}) fails its checksum (corrupt chunks); ${FIX}`);
      }
      const doc = JSON.parse(json) as unknown;
      if (isResult(doc) || isBurstDocument(doc)) out.push({ doc, source: where });
    }
    return out;
  }
}

/** Every result in one text: a whole JSON document, or result lines (chunked or old) among other lines. */
export function parseResults(text: string, source: string): Result[] {
  const c = new ResultCollector();
  c.add(text, source);
  return c.results().map((r) => r.result);
}
