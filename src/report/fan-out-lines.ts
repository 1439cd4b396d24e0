/**
 * The summary's lines for SNS fan-out: each subscription queue's own integrity and end-to-end
 * latency (drain --fan-out), the subscriptions that lost messages by name, and the cost of a
 * topic send (SNS publishes and their SQS deliveries).
 */
import type { Result } from '../result/document.js';

const int = (n: number) => n.toLocaleString('en-US');
const ms = (n: number | undefined) => (n === undefined ? '-' : n >= 100 ? int(Math.round(n)) : n.toFixed(1));

/** A small table of the subscriptions, and a line naming those that lost messages (empty without --fan-out). */
export function fanOutLines(r: Result, table: (rows: string[][]) => string[]): string[] {
  const f = r.fanOut;
  if (!f || r.partial) return [];
  const rows = [['subscription', 'distinct', 'duplicates', 'missing', 'e2e p50', 'e2e p99'], ...f.subscriptions.map((s) => [s.queue, int(s.distinct), int(s.duplicates), int(s.missing), ms(s.e2eLatency?.p50), ms(s.e2eLatency?.p99)])];
  const lost = f.lost.length
    ? [`lost on    ${f.subscriptions.filter((s) => s.missing > 0).map((s) => `${s.queue} (${int(s.missing)} missing)`).join(' · ')}`]
    : [`fan-out    every message on all ${f.subscriptions.length} subscriptions`];
  return [...table(rows), ...lost];
}

/** The cost line's parts beyond SQS's own: publishes at SNS's price, deliveries as SQS requests. */
export function topicCost(c: Result['cost']): { parts: string; prices: string } {
  if (!c.publishUnits && !c.deliveryUnits) return { parts: '', prices: '' };
  return {
    parts: ` · publish ${int(c.publishUnits ?? 0)} (SNS) · delivery ${int(c.deliveryUnits ?? 0)}`,
    prices: c.publishPricePerMillion ? `, SNS $${c.publishPricePerMillion}/M` : '',
  };
}
