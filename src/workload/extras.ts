/**
 * What a SendMessageBatch entry carries besides its body: --message-attributes N and
 * --delay-seconds. Both are the same for every message of a run, so the entry's extra JSON is
 * built once and copied as it is; its attribute bytes are counted once, the way SQS counts them
 * into the message size (name + data type + value) and the billed 64 KB chunks.
 */
export const MAX_ATTRIBUTES = 10;
export const MAX_DELAY_SECONDS = 900;

export interface EntryExtras {
  /** Appended inside each entry's object, e.g. `,"DelaySeconds":5,"MessageAttributes":{…}`; '' for none. */
  json: string;
  /** Bytes SQS counts for the attributes of one message. */
  attributeBytes: number;
  /** The parts, for entries that add an attribute of their own (--body-template's head). */
  delayJson: string;
  /** `"name":{…},"name":{…}` without braces; '' for none. */
  attributesInner: string;
}

/** The N attributes: odd ones String, even ones Number, so both kinds travel. */
export function attributeList(n: number): Array<{ name: string; type: 'String' | 'Number'; value: string }> {
  return Array.from({ length: n }, (_, i) =>
    i % 2 === 0
      ? { name: `blast-attr-${i + 1}`, type: 'String' as const, value: `value-${i + 1}-of-a-string-attribute` }
      : { name: `blast-attr-${i + 1}`, type: 'Number' as const, value: String(1_000_000 + i + 1) },
  );
}

export function entryExtras(attributes: number, delaySeconds: number): EntryExtras {
  const delayJson = delaySeconds > 0 ? `,"DelaySeconds":${delaySeconds}` : '';
  let json = delayJson;
  let attributesInner = '';
  let attributeBytes = 0;
  const list = attributeList(attributes);
  if (list.length) {
    const values: Record<string, { DataType: string; StringValue: string }> = {};
    for (const a of list) {
      values[a.name] = { DataType: a.type, StringValue: a.value };
      attributeBytes += Buffer.byteLength(a.name) + Buffer.byteLength(a.type) + Buffer.byteLength(a.value);
    }
    const all = JSON.stringify(values);
    json += `,"MessageAttributes":${all}`;
    attributesInner = all.slice(1, -1);
  }
  return { json, attributeBytes, delayJson, attributesInner };
}
