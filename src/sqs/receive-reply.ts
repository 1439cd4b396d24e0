/**
 * Reads a ReceiveMessage reply without turning it into JavaScript strings. A reply of ten 10 KB
 * messages is ~100 KB of JSON; JSON.parse makes a 100 KB string and ten 10 KB bodies out of it, and
 * collecting those was the drain's largest cost after the HTTP client. A drain needs only each
 * message's receipt handle, the head of its body (who sent it, which seq, when), its size and
 * SentTimestamp, so this walks the JSON structure on the bytes, jumps over long strings with a
 * native search for their closing quote, and decodes only the short parts.
 *
 * Anything unexpected falls back to JSON.parse of the whole reply: same answers, slower.
 * test/receive-reply.int.test.ts checks both paths agree on real replies.
 */
import { EscapedHeadReader, ESCAPED_HEAD_START, ESCAPED_PADDING_KEY, parseHead, PADDING_KEY, type MessageHead } from '../payload.js';

export interface ReceivedMessage {
  receiptHandle: string;
  /** The sqs-blast head of the body, or undefined for a foreign message. */
  head: MessageHead | undefined;
  /** Body size in bytes (what SQS bills by). */
  bodyBytes: number;
  /** SentTimestamp attribute in epoch ms, NaN if absent. */
  sentTimestamp: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Our body fragments as they appear, escaped, inside a reply. */
const HEAD_START_BYTES = Buffer.from(ESCAPED_HEAD_START, 'latin1');
const PADDING_KEY_BYTES = Buffer.from(ESCAPED_PADDING_KEY, 'latin1');
/** Our heads are ~150 bytes; past this a body is not ours. */
const MAX_HEAD_BYTES = 1024;

class Malformed extends Error {}

export function readReceiveReply(reply: Buffer): ReceivedMessage[] {
  try {
    return skimReceiveReply(reply);
  } catch {
    return readReceiveReplySlowly(reply);
  }
}

/** The fast path alone: throws on anything it does not expect. */
export function skimReceiveReply(reply: Buffer): ReceivedMessage[] {
  return new Skim(reply).reply();
}

/** The reference path: JSON.parse everything. */
export function readReceiveReplySlowly(reply: Buffer): ReceivedMessage[] {
  const parsed = (reply.length ? JSON.parse(reply.toString('utf8')) : {}) as {
    Messages?: Array<{ ReceiptHandle: string; Body: string; Attributes?: { SentTimestamp?: string } }>;
  };
  return (parsed.Messages ?? []).map((m) => ({
    receiptHandle: m.ReceiptHandle,
    head: parseHead(m.Body),
    bodyBytes: Buffer.byteLength(m.Body, 'utf8'),
    sentTimestamp: Number(m.Attributes?.SentTimestamp ?? NaN),
  }));
}

const heads = new EscapedHeadReader();

class Skim {
  private p = 0;
  private readonly end: number;

  constructor(private readonly b: Buffer) {
    this.end = b.length;
  }

  reply(): ReceivedMessage[] {
    const out: ReceivedMessage[] = [];
    if (this.end === 0) return out;
    this.object((key) => {
      if (key === 'Messages') this.array(() => out.push(this.message()));
      else this.skipValue();
    });
    this.ws();
    if (this.p !== this.end) throw new Malformed();
    return out;
  }

  private message(): ReceivedMessage {
    const m: ReceivedMessage = { receiptHandle: '', head: undefined, bodyBytes: 0, sentTimestamp: NaN };
    let handle = false;
    let body = false;
    this.object((key) => {
      if (key === 'ReceiptHandle') {
        m.receiptHandle = this.stringValue();
        handle = true;
      } else if (key === 'Body') {
        const s = this.stringStart();
        const e = this.stringEnd(s);
        this.p = e + 1;
        this.body(m, s, e);
        body = true;
      } else if (key === 'Attributes') {
        this.object((name) => {
          if (name === 'SentTimestamp') m.sentTimestamp = Number(this.stringValue());
          else this.skipValue();
        });
      } else this.skipValue();
    });
    if (!handle || !body) throw new Malformed();
    return m;
  }

  /** Fill head and bodyBytes from the escaped body bytes b[s, e). */
  private body(m: ReceivedMessage, s: number, e: number): void {
    const b = this.b;
    if (e - s > HEAD_START_BYTES.length && b.compare(HEAD_START_BYTES, 0, HEAD_START_BYTES.length, s, s + HEAD_START_BYTES.length) === 0) {
      const cut = b.subarray(s, Math.min(e, s + MAX_HEAD_BYTES)).indexOf(PADDING_KEY_BYTES);
      if (cut > 0) {
        const k = s + cut;
        const rest = k + PADDING_KEY_BYTES.length;
        // Our padding is letters and digits: the only escape after it is the closing \" of the tail.
        const slash = b.subarray(rest, e).indexOf(BACKSLASH);
        if (slash === e - rest - 3 && b[e - 2] === QUOTE && b[e - 1] === 0x7d /* } */) {
          const head = heads.read(b, s, k);
          if (head) {
            m.head = head;
            m.bodyBytes = heads.headBytes + PADDING_KEY.length + (e - rest - 1);
            return;
          }
          const headText = JSON.parse('"' + b.toString('utf8', s, k) + '"') as string;
          m.head = parseHead(headText + PADDING_KEY);
          m.bodyBytes = Buffer.byteLength(headText, 'utf8') + PADDING_KEY.length + (e - rest - 1);
          return;
        }
      }
    }
    const text = JSON.parse(b.toString('utf8', s - 1, e + 1)) as string;
    m.head = parseHead(text);
    m.bodyBytes = Buffer.byteLength(text, 'utf8');
  }

  private ws(): void {
    const b = this.b;
    let p = this.p;
    while (p < this.end) {
      const c = b[p];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.p = p;
  }

  private expect(c: number): void {
    this.ws();
    if (this.b[this.p] !== c) throw new Malformed();
    this.p++;
  }

  /** Past the opening quote of a string; returns where its content starts. */
  private stringStart(): number {
    this.expect(QUOTE);
    return this.p;
  }

  /** The index of the closing quote of a string whose content starts at s. */
  private stringEnd(s: number): number {
    const b = this.b;
    let from = s;
    for (;;) {
      const q = b.indexOf(QUOTE, from);
      if (q < 0) throw new Malformed();
      let slashes = 0;
      for (let k = q - 1; k >= s && b[k] === BACKSLASH; k--) slashes++;
      if ((slashes & 1) === 0) return q;
      from = q + 1;
    }
  }

  private stringValue(): string {
    const s = this.stringStart();
    const e = this.stringEnd(s);
    this.p = e + 1;
    const b = this.b;
    for (let k = s; k < e; k++) if (b[k] === BACKSLASH) return JSON.parse(b.toString('utf8', s - 1, e + 1)) as string;
    return b.toString('utf8', s, e);
  }

  private object(onKey: (key: string) => void): void {
    this.sequence(0x7b, 0x7d, () => {
      const key = this.stringValue();
      this.expect(0x3a);
      this.ws();
      onKey(key);
    });
  }

  private array(onItem: () => void): void {
    this.sequence(0x5b, 0x5d, onItem);
  }

  /** `open` item (, item)* `close`, with whitespace anywhere between. */
  private sequence(open: number, close: number, item: () => void): void {
    this.expect(open);
    this.ws();
    if (this.b[this.p] === close) {
      this.p++;
      return;
    }
    for (;;) {
      this.ws();
      item();
      this.ws();
      const c = this.b[this.p++];
      if (c === close) return;
      if (c !== 0x2c) throw new Malformed();
    }
  }

  private skipValue(): void {
    this.ws();
    const c = this.b[this.p];
    if (c === QUOTE) {
      this.p = this.stringEnd(this.p + 1) + 1;
    } else if (c === 0x7b) {
      this.object(() => this.skipValue());
    } else if (c === 0x5b) {
      this.array(() => this.skipValue());
    } else {
      // A number, true, false or null: up to the next delimiter.
      const b = this.b;
      let p = this.p;
      while (p < this.end) {
        const d = b[p];
        if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
        p++;
      }
      if (p === this.p) throw new Malformed();
      this.p = p;
    }
  }
}
