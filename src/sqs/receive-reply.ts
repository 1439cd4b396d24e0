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
import { HEAD_ATTRIBUTE } from '../workload/template.js';
import { findWrappedHead } from '../wrapped-head.js';
import { bytesAt, EscapedHeadReader, ESCAPED_HEAD_START, ESCAPED_PADDING_KEY, parseHead, PADDING_KEY, type MessageHead } from '../payload.js';

export interface ReceivedMessage {
  receiptHandle: string;
  /** The sqs-blast head of the body, or undefined for a foreign message. */
  head: MessageHead | undefined;
  /** Body size in bytes (what SQS bills by). */
  bodyBytes: number;
  /** SentTimestamp attribute in epoch ms, NaN if absent. */
  sentTimestamp: number;
  /** ApproximateReceiveCount: 1 on a first delivery, more when it came back; 0 if absent. */
  receiveCount: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OBJECT_OPEN = 0x7b;
const OBJECT_CLOSE = 0x7d;
const ARRAY_OPEN = 0x5b;
const ARRAY_CLOSE = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MESSAGES = Buffer.from('Messages');
const RECEIPT_HANDLE = Buffer.from('ReceiptHandle');
const BODY = Buffer.from('Body');
const ATTRIBUTES = Buffer.from('Attributes');
const SENT_TIMESTAMP = Buffer.from('SentTimestamp');
const RECEIVE_COUNT = Buffer.from('ApproximateReceiveCount');
const MESSAGE_ATTRIBUTES = Buffer.from('MessageAttributes');
const HEAD_ATTRIBUTE_NAME = Buffer.from(HEAD_ATTRIBUTE);
const STRING_VALUE = Buffer.from('StringValue');
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
  const parsed = (reply.length ? JSON.parse(reply.toString('utf8')) : {}) as { Messages?: ParsedMessage[] };
  return (parsed.Messages ?? []).map(receivedOf);
}

/** A message as JSON.parse (or the SDK, which parses the same JSON) gives it. */
export interface ParsedMessage {
  ReceiptHandle?: string;
  Body?: string;
  Attributes?: { SentTimestamp?: string; ApproximateReceiveCount?: string };
  MessageAttributes?: Record<string, { StringValue?: string }>;
}

/** What the drain reads of a parsed message: the same fields the skim takes from the bytes. */
export function receivedOf(m: ParsedMessage): ReceivedMessage {
  const body = m.Body ?? '';
  return {
    receiptHandle: m.ReceiptHandle ?? '',
    head: headIn(m.MessageAttributes?.[HEAD_ATTRIBUTE]?.StringValue) ?? parseHead(body) ?? findWrappedHead(body),
    bodyBytes: Buffer.byteLength(body, 'utf8'),
    sentTimestamp: Number(m.Attributes?.SentTimestamp ?? NaN),
    receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
  };
}

/** A --body-template message's head, from its sqs-blast attribute. */
const headIn = (value: string | undefined): MessageHead | undefined => (value === undefined ? undefined : parseHead(value));

const heads = new EscapedHeadReader();

class Skim {
  private p = 0;
  private keyStart = 0;
  private keyEnd = 0;
  private readonly end: number;

  constructor(private readonly b: Buffer) {
    this.end = b.length;
  }

  reply(): ReceivedMessage[] {
    const out: ReceivedMessage[] = [];
    if (this.end === 0) return out;
    if (this.open(OBJECT_OPEN, OBJECT_CLOSE)) {
      do {
        this.key();
        if (this.keyIs(MESSAGES)) {
          if (this.open(ARRAY_OPEN, ARRAY_CLOSE)) {
            do out.push(this.message());
            while (!this.closed(ARRAY_CLOSE));
          }
        } else this.skipValue();
      } while (!this.closed(OBJECT_CLOSE));
    }
    this.ws();
    if (this.p !== this.end) throw new Malformed();
    return out;
  }

  private message(): ReceivedMessage {
    const m: ReceivedMessage = { receiptHandle: '', head: undefined, bodyBytes: 0, sentTimestamp: NaN, receiveCount: 0 };
    let handle = false;
    let body = false;
    let attributeHead: MessageHead | undefined;
    if (this.open(OBJECT_OPEN, OBJECT_CLOSE)) {
      do {
        this.key();
        if (this.keyIs(RECEIPT_HANDLE)) {
          m.receiptHandle = this.stringValue();
          handle = true;
        } else if (this.keyIs(BODY)) {
          const s = this.stringStart();
          let e = this.ownBody(m, s);
          if (e < 0) {
            e = this.stringEnd(s);
            this.body(m, s, e);
          }
          this.p = e + 1;
          body = true;
        } else if (this.keyIs(ATTRIBUTES)) {
          if (this.open(OBJECT_OPEN, OBJECT_CLOSE)) {
            do {
              this.key();
              if (this.keyIs(SENT_TIMESTAMP)) m.sentTimestamp = Number(this.stringValue());
              else if (this.keyIs(RECEIVE_COUNT)) m.receiveCount = this.countValue();
              else this.skipValue();
            } while (!this.closed(OBJECT_CLOSE));
          }
        } else if (this.keyIs(MESSAGE_ATTRIBUTES)) attributeHead = this.headAttribute();
        else this.skipValue();
      } while (!this.closed(OBJECT_CLOSE));
    }
    if (!handle || !body) throw new Malformed();
    if (attributeHead) m.head = attributeHead;
    return m;
  }

  /** MessageAttributes: the head a --body-template message carries in its sqs-blast attribute, if any. */
  private headAttribute(): MessageHead | undefined {
    let head: MessageHead | undefined;
    if (this.open(OBJECT_OPEN, OBJECT_CLOSE)) {
      do {
        this.key();
        if (!this.keyIs(HEAD_ATTRIBUTE_NAME)) {
          this.skipValue();
          continue;
        }
        if (this.open(OBJECT_OPEN, OBJECT_CLOSE)) {
          do {
            this.key();
            if (this.keyIs(STRING_VALUE)) head = headIn(this.stringValue());
            else this.skipValue();
          } while (!this.closed(OBJECT_CLOSE));
        }
      } while (!this.closed(OBJECT_CLOSE));
    }
    return head;
  }

  /** Past `open`; false when the value is empty (its `close` follows at once, and is passed too). */
  private open(open: number, close: number): boolean {
    this.expect(open);
    this.ws();
    if (this.b[this.p] !== close) return true;
    this.p++;
    return false;
  }

  /** After an item: true past `close`, false past a comma (another item follows). */
  private closed(close: number): boolean {
    this.ws();
    const c = this.b[this.p++];
    if (c === close) return true;
    if (c !== COMMA) throw new Malformed();
    return false;
  }

  /** A member's key and its colon; the key stays as bytes b[keyStart, keyEnd). */
  private key(): void {
    this.ws();
    this.keyStart = this.stringStart();
    this.keyEnd = this.stringEnd(this.keyStart);
    this.p = this.keyEnd + 1;
    this.expect(COLON);
    this.ws();
  }

  /** Key names are compared as raw bytes: one written with escapes is not recognised, so the
   * message then lacks its handle or body and the whole reply takes the JSON.parse path. */
  private keyIs(name: Buffer): boolean {
    return this.keyEnd - this.keyStart === name.length && bytesAt(this.b, this.keyStart, name);
  }

  /**
   * One of our bodies, read from its start s without first finding its end: the head in our exact
   * layout (which holds no unescaped quote), then padding up to the first backslash, which must
   * be the closing \"} of our tail. Finding the end first would stop at each of the head's ~20
   * escaped quotes. Returns the index of the closing quote, or -1 (nothing filled) for anything
   * else, which then takes the general path.
   */
  private ownBody(m: ReceivedMessage, s: number): number {
    const b = this.b;
    if (!bytesAt(b, s, HEAD_START_BYTES)) return -1;
    const k = b.indexOf(PADDING_KEY_BYTES, s);
    if (k < 0 || k - s > MAX_HEAD_BYTES) return -1;
    const rest = k + PADDING_KEY_BYTES.length;
    const slash = b.indexOf(BACKSLASH, rest);
    // Padding holds no quote (it would end the string): the first quote is the escaped one.
    if (slash < 0 || b[slash + 1] !== QUOTE || b[slash + 2] !== OBJECT_CLOSE || b[slash + 3] !== QUOTE || b.indexOf(QUOTE, rest) !== slash + 1) return -1;
    const head = heads.read(b, s, k);
    if (!head) return -1;
    m.head = head;
    m.bodyBytes = heads.headBytes + PADDING_KEY.length + (slash + 2 - rest);
    return slash + 3;
  }

  /** Fill head and bodyBytes from the escaped body bytes b[s, e), for bodies ownBody() declined. */
  private body(m: ReceivedMessage, s: number, e: number): void {
    const b = this.b;
    if (e - s > HEAD_START_BYTES.length && bytesAt(b, s, HEAD_START_BYTES)) {
      const cut = b.subarray(s, Math.min(e, s + MAX_HEAD_BYTES)).indexOf(PADDING_KEY_BYTES);
      if (cut > 0) {
        const k = s + cut;
        const rest = k + PADDING_KEY_BYTES.length;
        // Our padding and tail, but a head the byte reader declined (another writer's spelling):
        // decode the head alone and leave the padding unread.
        if (b.indexOf(BACKSLASH, rest) === e - 3 && b[e - 2] === QUOTE && b[e - 1] === OBJECT_CLOSE) {
          const headText = JSON.parse('"' + b.toString('utf8', s, k) + '"') as string;
          m.head = parseHead(headText + PADDING_KEY);
          m.bodyBytes = Buffer.byteLength(headText, 'utf8') + PADDING_KEY.length + (e - rest - 1);
          return;
        }
      }
    }
    const text = JSON.parse(b.toString('utf8', s - 1, e + 1)) as string;
    // Not our layout: our body as is in another spelling, or wrapped in a service's document.
    m.head = parseHead(text) ?? findWrappedHead(text);
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

  /** A string of digits (a count) read as a number on the bytes: no string is made per message. */
  private countValue(): number {
    const s = this.stringStart();
    const b = this.b;
    let n = 0;
    let p = s;
    while (p < this.end && b[p] >= 0x30 && b[p] <= 0x39 && p - s < 15) n = n * 10 + (b[p++] - 0x30);
    if (p === s || b[p] !== QUOTE) {
      // Not plain digits: read it as JSON does.
      this.p = s - 1;
      return Number(this.stringValue());
    }
    this.p = p + 1;
    return n;
  }

  private skipValue(): void {
    this.ws();
    const c = this.b[this.p];
    if (c === QUOTE) {
      this.p = this.stringEnd(this.p + 1) + 1;
    } else if (c === OBJECT_OPEN) {
      if (this.open(OBJECT_OPEN, OBJECT_CLOSE)) {
        do {
          this.key();
          this.skipValue();
        } while (!this.closed(OBJECT_CLOSE));
      }
    } else if (c === ARRAY_OPEN) {
      if (this.open(ARRAY_OPEN, ARRAY_CLOSE)) {
        do this.skipValue();
        while (!this.closed(ARRAY_CLOSE));
      }
    } else {
      // A number, true, false or null: up to the next delimiter.
      const b = this.b;
      let p = this.p;
      while (p < this.end) {
        const d = b[p];
        if (d === COMMA || d === OBJECT_CLOSE || d === ARRAY_CLOSE || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
        p++;
      }
      if (p === this.p) throw new Malformed();
      this.p = p;
    }
  }
}
