/**
 * The sqs-blast head inside a message someone else wrote: the output of a user's service that read
 * our message and forwarded it (`run --downstream`), or an SNS delivery with raw delivery off.
 * Services put it in many places, and all of them are found:
 *
 *   - our body as a string field of their document, at any depth (`{"order":{"raw":"{\"id\":…"}}`),
 *     also when that document is itself a string inside another (each layer escapes once more);
 *   - our body parsed and embedded as an object (`{"input":{"id":"…","runId":…,"seq":41}}`);
 *   - an SNS envelope (`{"Type":"Notification","Message":"<our body>",…}`), whose
 *     `MessageAttributes.sqs-blast.Value` carries the head of a --body-template message.
 *
 * Only bodies that do not start with our head come here (foreign ones, or wrapped), so the
 * drain's fast path is untouched. A body without the text `runId` is rejected by one indexOf
 * before any parse: a foreign stream costs a scan, not a JSON.parse per message.
 */
import { headFrom, parseHead, type MessageHead } from './payload.js';

/** Nesting (objects, arrays and documents inside strings) deeper than any wrapper in practice:
 * bounds the walk, and the stack, on a hostile document. */
const MAX_DEPTH = 32;
/** Values looked at in one body, at most: a huge foreign document costs a bounded walk. */
const MAX_NODES = 10_000;

export function findWrappedHead(body: string): MessageHead | undefined {
  if (!body.includes('runId')) return undefined;
  const walk = new Walk();
  return walk.string(body, 0);
}

class Walk {
  private nodes = 0;

  string(text: string, depth: number): MessageHead | undefined {
    const own = parseHead(text);
    if (own) return own;
    if (depth >= MAX_DEPTH || !text.includes('runId')) return undefined;
    const first = firstNonSpace(text);
    if (first !== '{' && first !== '[') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    return this.value(parsed, depth + 1);
  }

  private value(v: unknown, depth: number): MessageHead | undefined {
    if (++this.nodes > MAX_NODES || depth > MAX_DEPTH) return undefined;
    if (typeof v === 'string') return this.string(v, depth);
    if (typeof v !== 'object' || v === null) return undefined;
    if (Array.isArray(v)) {
      for (const item of v) {
        const head = this.value(item, depth + 1);
        if (head) return head;
      }
      return undefined;
    }
    const head = headFrom(v);
    if (head) return head;
    for (const key of Object.keys(v)) {
      const inner = this.value((v as Record<string, unknown>)[key], depth + 1);
      if (inner) return inner;
    }
    return undefined;
  }
}

function firstNonSpace(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') return c;
  }
  return '';
}
