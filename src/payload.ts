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

export interface MessageHead extends PayloadIdentity {
  id: string;
  seq: number;
  sentAt: number;
  /** FIFO runs: the message group (sent in seq order, one call in flight per group). */
  group?: number;
}

/** Every sqs-blast body starts with this; anything else is a foreign message. */
export const HEAD_START = '{"id":"';
export const PADDING_KEY = ',"padding":"';
const TAIL = '"}';

/** Our bodies' only characters that JSON escapes are quotes (run ids are letters, digits, '-', '_'). */
export const escapeQuotes = (text: string): string => text.replace(/"/g, '\\"');
/** The fragments as they appear inside a JSON string: in requests we build, replies we read. */
export const ESCAPED_HEAD_START = escapeQuotes(HEAD_START);
export const ESCAPED_PADDING_KEY = escapeQuotes(PADDING_KEY);
const ESCAPED_TAIL = escapeQuotes(TAIL) + '"';

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
  /** Backslashes in those three fragments. */
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
    this.fixedEscapes = (this.escapedStart + this.escapedMiddle + this.escapedOf).split('\\').length - 1;
    // As long as the whole body, so any head leaves enough padding to trim to the exact size.
    this.padding = makePadding(messageSize);
    this.paddingBytes = Buffer.from(this.padding, 'latin1');
  }

  private head(seq: number, sentAt: number, group?: number): string {
    const { of, total } = this.identity;
    const g = group === undefined ? '' : `,"group":${group}`;
    return `${this.headStart}${seq}${this.headMiddle}${seq},"of":${of},"total":${total}${g},"sentAt":${sentAt}`;
  }

  /** The raw body, exactly messageSize bytes (when messageSize leaves room for the head). */
  body(seq: number, sentAt: number, group?: number): string {
    const head = this.head(seq, sentAt, group);
    return head + PADDING_KEY + this.padding.slice(0, this.padLength(head)) + TAIL;
  }

  /**
   * The body as a JSON string literal (quotes included), ready to drop into a request: only the
   * head's quotes need escaping, so the padding is reused as it is.
   */
  jsonString(seq: number, sentAt: number, group?: number): string {
    const head = this.head(seq, sentAt, group);
    return '"' + escapeQuotes(head) + ESCAPED_PADDING_KEY + this.padding.slice(0, this.padLength(head)) + ESCAPED_TAIL;
  }

  /** An upper bound on the bytes writeJsonString() writes. */
  get maxLiteralBytes(): number {
    return this.messageSize + 256;
  }

  /**
   * Write jsonString()'s literal straight into a request buffer; returns the new offset. The
   * padding is copied as bytes, so no 10 KB string is built, flattened or encoded per message.
   */
  writeJsonString(into: Buffer, offset: number, seq: number, sentAt: number, group?: number): number {
    // The head with its quotes escaped, from fragments escaped once in the constructor: only the
    // numbers change per message.
    const escaped =
      this.escapedStart + seq + this.escapedMiddle + seq + this.escapedOf +
      (group === undefined ? '' : ',\\"group\\":' + group) + ',\\"sentAt\\":' + sentAt;
    let o = offset;
    o += into.write(escaped, o, 'latin1');
    o += into.write(ESCAPED_PADDING_KEY, o, 'latin1');
    // The unescaped head is the escaped one less its opening quote and one byte per escape.
    const headLength = escaped.length - 1 - this.fixedEscapes - (group === undefined ? 2 : 4);
    o += this.paddingBytes.copy(into, o, 0, this.padLengthFor(headLength));
    o += into.write(ESCAPED_TAIL, o, 'latin1');
    return o;
  }

  private padLength(head: string): number {
    return this.padLengthFor(head.length);
  }

  private padLengthFor(headLength: number): number {
    return Math.max(0, this.messageSize - headLength - PADDING_KEY.length - TAIL.length);
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
    id: h.id,
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
