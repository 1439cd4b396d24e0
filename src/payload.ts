/**
 * Message bodies. Every body is JSON whose head proves where it came from and whose padding
 * brings it to exactly --message-size bytes:
 *
 *   {"id":"<runId>-<shard>-<seq>","runId":"..","shard":3,"shards":20,"seq":41236,"of":50000,
 *    "total":1000000,"sentAt":1764100000123,"padding":"..."}
 *
 * `seq` is dense in 0..of-1 within (runId, shard), so a drain proves arrival with a bitmap.
 * The padding is built once and only ASCII letters and digits, so it needs no JSON escaping:
 * a request body is put together from ready fragments, never re-serialised per message.
 * Field order is fixed: consumers read the head without parsing the padding.
 */
import { randomBytes } from 'node:crypto';

export interface PayloadIdentity {
  runId: string;
  shard: number;
  shards: number;
  /** Messages in this shard; -1 when unknown (duration-bounded runs). */
  of: number;
  /** Messages in the whole run; -1 when unknown. */
  total: number;
}

/** What a consumer reads from a body's head (the id field is for humans; seq says it all). */
export interface MessageHead extends PayloadIdentity {
  seq: number;
  sentAt: number;
  /** FIFO runs: the message group (sent in seq order, one call in flight per group). */
  group?: number;
}

/** Every sqs-blast body starts with this; anything else is a foreign message. */
export const HEAD_START = '{"id":"';
export const PADDING_KEY = ',"padding":"';
const TAIL = '"}';
/** The head's last fields (group only in FIFO runs), named once for the writer and the reader. */
const GROUP_KEY = ',"group":';
const SENT_AT_KEY = ',"sentAt":';

/** Our bodies' only characters that JSON escapes are quotes (run ids are letters, digits, '-', '_'). */
export const escapeQuotes = (text: string): string => text.replace(/"/g, '\\"');
/** The fragments as they appear inside a JSON string: in requests we build, replies we read. */
export const ESCAPED_HEAD_START = escapeQuotes(HEAD_START);
export const ESCAPED_PADDING_KEY = escapeQuotes(PADDING_KEY);
const ESCAPED_TAIL = escapeQuotes(TAIL) + '"';
const ESCAPED_GROUP_KEY = escapeQuotes(GROUP_KEY);
const ESCAPED_SENT_AT_KEY = escapeQuotes(SENT_AT_KEY);
/** Backslashes an escaped fragment holds: one per escaped character. */
const escapesIn = (escaped: string): number => escaped.split('\\').length - 1;
const GROUP_ESCAPES = escapesIn(ESCAPED_GROUP_KEY);

function makePadding(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

export class PayloadFactory {
  private readonly headStart: string;
  private readonly headMiddle: string;
  /** The same fragments as they appear inside a JSON string (quotes escaped), built once. */
  private readonly escapedStart: string;
  private readonly escapedMiddle: string;
  private readonly escapedOf: string;
  /** Backslashes in those fragments and the sentAt key. */
  private readonly fixedEscapes: number;
  private readonly padding: string;
  private readonly paddingBytes: Buffer;

  constructor(
    readonly identity: PayloadIdentity,
    readonly messageSize: number,
  ) {
    const { runId, shard, shards } = identity;
    this.headStart = `${HEAD_START}${runId}-${shard}-`;
    this.headMiddle = `","runId":"${runId}","shard":${shard},"shards":${shards},"seq":`;
    this.escapedStart = '"' + escapeQuotes(this.headStart);
    this.escapedMiddle = escapeQuotes(this.headMiddle);
    this.escapedOf = escapeQuotes(`,"of":${identity.of},"total":${identity.total}`);
    this.fixedEscapes = escapesIn(this.escapedStart + this.escapedMiddle + this.escapedOf + ESCAPED_SENT_AT_KEY);
    // As long as the whole body, so any head leaves enough padding to trim to the exact size.
    this.padding = makePadding(messageSize);
    this.paddingBytes = Buffer.from(this.padding, 'latin1');
  }

  private head(seq: number, sentAt: number, group?: number): string {
    const { of, total } = this.identity;
    const g = group === undefined ? '' : GROUP_KEY + group;
    return `${this.headStart}${seq}${this.headMiddle}${seq},"of":${of},"total":${total}${g}${SENT_AT_KEY}${sentAt}`;
  }

  /** The head alone as a JSON document (--body-template runs carry it in an attribute). */
  headJson(seq: number, sentAt: number, group?: number): string {
    return this.head(seq, sentAt, group) + '}';
  }

  /** The raw body, exactly messageSize bytes (when messageSize leaves room for the head). */
  body(seq: number, sentAt: number, group?: number, size = this.messageSize): string {
    const head = this.head(seq, sentAt, group);
    return head + PADDING_KEY + this.padding.slice(0, this.padLengthFor(head.length, size)) + TAIL;
  }

  /**
   * The body as a JSON string literal (quotes included), ready to drop into a request: only the
   * head's quotes need escaping, so the padding is reused as it is.
   */
  jsonString(seq: number, sentAt: number, group?: number): string {
    const head = this.head(seq, sentAt, group);
    return '"' + escapeQuotes(head) + ESCAPED_PADDING_KEY + this.padding.slice(0, this.padLengthFor(head.length)) + ESCAPED_TAIL;
  }

  /** An upper bound on the bytes writeJsonString() writes. */
  get maxLiteralBytes(): number {
    return this.messageSize + 256;
  }

  /**
   * Write jsonString()'s literal straight into a request buffer; returns the new offset. The
   * padding is copied as bytes, so no 10 KB string is built, flattened or encoded per message.
   */
  writeJsonString(into: Buffer, offset: number, seq: number, sentAt: number, group?: number, size = this.messageSize): number {
    // The head with its quotes escaped, from fragments escaped once in the constructor: only the
    // numbers change per message.
    const escaped =
      this.escapedStart + seq + this.escapedMiddle + seq + this.escapedOf +
      (group === undefined ? '' : ESCAPED_GROUP_KEY + group) + ESCAPED_SENT_AT_KEY + sentAt;
    let o = offset;
    o += into.write(escaped, o, 'latin1');
    o += into.write(ESCAPED_PADDING_KEY, o, 'latin1');
    // The unescaped head is the escaped one less its opening quote and one byte per escape.
    const headLength = escaped.length - 1 - this.fixedEscapes - (group === undefined ? 0 : GROUP_ESCAPES);
    o += this.paddingBytes.copy(into, o, 0, this.padLengthFor(headLength, size));
    o += into.write(ESCAPED_TAIL, o, 'latin1');
    return o;
  }

  /** `size`: this message's (--message-size ranges); the padding is as long as the largest. */
  private padLengthFor(headLength: number, size = this.messageSize): number {
    return Math.max(0, size - headLength - PADDING_KEY.length - TAIL.length);
  }
}

/**
 * Read the head of a body without parsing the padding. Returns undefined for anything that is
 * not an sqs-blast body (a foreign message).
 */
export function parseHead(body: string): MessageHead | undefined {
  if (body.charCodeAt(0) !== 123 /* { */ || !body.startsWith(HEAD_START)) return undefined;
  const cut = body.indexOf(PADDING_KEY);
  let parsed: unknown;
  try {
    parsed = JSON.parse(cut > 0 ? body.slice(0, cut) + '}' : body);
  } catch {
    return undefined;
  }
  return headFrom(parsed);
}

/**
 * A head from a parsed object: ours when it has our head's typed fields (a body parsed whole, or
 * one a service embedded as an object in its own document). Undefined for anything else.
 */
export function headFrom(parsed: unknown): MessageHead | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const h = parsed as MessageHead;
  if (
    typeof h.runId !== 'string' ||
    !Number.isInteger(h.shard) ||
    !Number.isInteger(h.seq) ||
    h.seq < 0 ||
    typeof h.sentAt !== 'number'
  ) {
    return undefined;
  }
  return {
    runId: h.runId,
    shard: h.shard,
    shards: Number.isInteger(h.shards) ? h.shards : 1,
    seq: h.seq,
    of: Number.isInteger(h.of) ? h.of : -1,
    total: Number.isInteger(h.total) ? h.total : -1,
    sentAt: h.sentAt,
    ...(Number.isInteger(h.group) ? { group: h.group } : {}),
  };
}

const escapedBytes = (text: string): Buffer => Buffer.from(escapeQuotes(text), 'latin1');
const ESCAPED_HEAD_START_BYTES = escapedBytes(HEAD_START);
const AFTER_ID = escapedBytes('","runId":"');
const AFTER_RUN_ID = escapedBytes('","shard":');
const SHARDS = escapedBytes(',"shards":');
const SEQ = escapedBytes(',"seq":');
const OF = escapedBytes(',"of":');
const TOTAL = escapedBytes(',"total":');
const GROUP = escapedBytes(GROUP_KEY);
const SENT_AT = escapedBytes(SENT_AT_KEY);
const BACKSLASH = 0x5c;
const FIXED_ESCAPES = [ESCAPED_HEAD_START_BYTES, AFTER_ID, AFTER_RUN_ID, SHARDS, SEQ, OF, TOTAL, SENT_AT].reduce((n, f) => n + escapesIn(f.toString('latin1')), 0);

/**
 * Does `b` hold the bytes of `f` at `at`? A loop, not Buffer#compare: for the few bytes compared
 * here a native call costs more than the comparison.
 */
export function bytesAt(b: Buffer, at: number, f: Buffer): boolean {
  if (at + f.length > b.length) return false;
  for (let i = 0; i < f.length; i++) if (b[at + i] !== f[i]) return false;
  return true;
}

/** Are bytes [s, e) all letters, digits, '-' or '_' (what run ids and message ids are made of)? */
function idBytes(b: Buffer, s: number, e: number): boolean {
  for (let k = s; k < e; k++) {
    const c = b[k];
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f)) return false;
  }
  return true;
}

/**
 * parseHead for a head exactly as PayloadFactory writes it, read straight from the escaped bytes
 * of a reply (b[start, end): from the opening brace up to the padding key), so a drain makes no
 * strings and no objects but the head itself. Anything else, even a valid head written by another
 * hand (other field order, spaces, escapes), returns null: the caller then uses parseHead.
 */
export class EscapedHeadReader {
  /** After a successful read: the head's length once unescaped (bytes). */
  headBytes = 0;
  private lastRunId = '';
  private lastRunIdBytes = Buffer.alloc(0);
  private p = 0;
  private b: Buffer = this.lastRunIdBytes;

  read(b: Buffer, start: number, end: number): MessageHead | null {
    this.b = b;
    this.p = start;
    if (!this.fragment(ESCAPED_HEAD_START_BYTES)) return null;
    // The id repeats runId, shard and seq: skip it, but only over the characters ids are made of
    // (a quote there would end the JSON string).
    const idEnd = b.indexOf(BACKSLASH, this.p);
    if (idEnd < 0 || idEnd >= end || !idBytes(b, this.p, idEnd)) return null;
    this.p = idEnd;
    if (!this.fragment(AFTER_ID)) return null;
    const runIdStart = this.p;
    const runIdEnd = b.indexOf(BACKSLASH, runIdStart);
    if (runIdEnd <= runIdStart || runIdEnd >= end) return null;
    const runId = this.runId(runIdStart, runIdEnd);
    if (runId === undefined) return null;
    this.p = runIdEnd;
    if (!this.fragment(AFTER_RUN_ID)) return null;
    const shard = this.int();
    if (shard < 0 || !this.fragment(SHARDS)) return null;
    const shards = this.int();
    if (shards < 1 || !this.fragment(SEQ)) return null;
    const seq = this.int();
    if (seq < 0 || !this.fragment(OF)) return null;
    const of = this.int();
    if (of < -1 || !this.fragment(TOTAL)) return null;
    const total = this.int();
    if (total < -1) return null;
    let group = -2;
    if (this.fragment(GROUP)) {
      group = this.int();
      if (group < 0) return null;
    }
    if (!this.fragment(SENT_AT)) return null;
    const sentAt = this.int();
    if (sentAt < 0 || this.p !== end) return null;
    const head: MessageHead = { runId, shard, shards, seq, of, total, sentAt };
    if (group >= 0) head.group = group;
    this.headBytes = end - start - FIXED_ESCAPES - (group >= 0 ? GROUP_ESCAPES : 0);
    return head;
  }

  private fragment(f: Buffer): boolean {
    if (!bytesAt(this.b, this.p, f)) return false;
    this.p += f.length;
    return true;
  }

  /** A decimal integer (optionally negative) of at most 15 digits; -2 if there is none. */
  private int(): number {
    const b = this.b;
    let p = this.p;
    const negative = b[p] === 0x2d;
    if (negative) p++;
    const first = p;
    let n = 0;
    while (p < b.length && b[p] >= 0x30 && b[p] <= 0x39 && p - first < 15) n = n * 10 + (b[p++] - 0x30);
    if (p === first || (b[first] === 0x30 && p - first > 1)) return -2;
    this.p = p;
    return negative ? (n === 1 ? -1 : -2) : n;
  }

  /** Run ids repeat from message to message: decode one only when it changes. */
  private runId(s: number, e: number): string | undefined {
    const b = this.b;
    const last = this.lastRunIdBytes;
    if (e - s === last.length && bytesAt(b, s, last)) return this.lastRunId;
    if (!idBytes(b, s, e)) return undefined;
    this.lastRunIdBytes = Buffer.from(b.subarray(s, e));
    this.lastRunId = this.lastRunIdBytes.toString('latin1');
    return this.lastRunId;
  }
}
