/**
 * --body-file / --body-template: the user's own payload. `{{seq}}`, `{{uuid}}` and `{{now}}` are
 * filled per message; the integrity fields (run id, shard, seq, sentAt) travel beside the body in
 * the `sqs-blast` message attribute, so a drain proves arrival exactly as with our own bodies.
 * A body is a pure function of (seq, sentAt): a retried batch sends the same bytes and
 * --verify-md5 rebuilds them. The uuid is derived from (run, shard, seq) for that reason.
 */
import { createHash } from 'node:crypto';
import type { PayloadFactory } from '../payload.js';

/** The attribute that carries a templated message's head (its value: the head as JSON). */
export const HEAD_ATTRIBUTE = 'sqs-blast';
const PLACEHOLDER = /\{\{(seq|uuid|now)\}\}/g;

export class BodyTemplate {
  /** Literal text and placeholders in turn: text[0], slot[0], text[1], … */
  private readonly texts: string[] = [];
  private readonly slots: Array<'seq' | 'uuid' | 'now'> = [];

  constructor(
    template: string,
    private readonly factory: PayloadFactory,
  ) {
    let last = 0;
    for (const m of template.matchAll(PLACEHOLDER)) {
      this.texts.push(template.slice(last, m.index));
      this.slots.push(m[1] as 'seq' | 'uuid' | 'now');
      last = m.index! + m[0].length;
    }
    this.texts.push(template.slice(last));
  }

  render(seq: number, sentAt: number): string {
    let out = this.texts[0];
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      out += (slot === 'seq' ? String(seq) : slot === 'uuid' ? this.uuid(seq) : new Date(sentAt).toISOString()) + this.texts[i + 1];
    }
    return out;
  }

  /** The head attribute's value: what a drain reads to prove this message arrived. */
  head(seq: number, sentAt: number, group?: number): string {
    return this.factory.headJson(seq, sentAt, group);
  }

  /** Bytes SQS counts for the body and the head attribute (name + type + value). */
  messageBytes(seq: number, sentAt: number, group?: number): number {
    return Buffer.byteLength(this.render(seq, sentAt)) + HEAD_ATTRIBUTE.length + 'String'.length + this.head(seq, sentAt, group).length;
  }

  /** The entry's `"<body>"` literal then its MessageAttributes opening with the head; `userAttributes` ('' or `,"name":{…}…`) follow. */
  entryJson(seq: number, sentAt: number, group: number | undefined): { body: string; attributes: string } {
    return {
      body: JSON.stringify(this.render(seq, sentAt)),
      attributes: `,"MessageAttributes":{"${HEAD_ATTRIBUTE}":{"DataType":"String","StringValue":${JSON.stringify(this.head(seq, sentAt, group))}}`,
    };
  }

  private uuid(seq: number): string {
    const { runId, shard } = this.factory.identity;
    const h = createHash('md5').update(`${runId}/${shard}/${seq}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
