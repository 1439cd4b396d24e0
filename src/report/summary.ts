/**
 * The end-of-run summary for humans: one screen, aligned, plain text (it must read well in a
 * pod's log as much as on a terminal). What ran, the numbers, the verdict.
 */
import type { LatencySummary } from '../metrics/histogram.js';
import { LATENCY_ROWS, latencyLabel } from '../metrics/latencies.js';
import { sumCounts } from '../metrics/counters.js';
import { loopBusy, SATURATED } from '../metrics/loop.js';
import { EXIT } from '../errors.js';
import type { Result } from '../result/document.js';
import { formatActual } from './thresholds.js';
import { messagesIn } from '../sqs/depth.js';
import { fanOutLines, topicCost } from './fan-out-lines.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, d = 1) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const pct = (share: number) => `${Math.round(share * 100)}%`;
const ms = (n: number) => (n >= 100 ? fixed(n, 0) : n >= 10 ? fixed(n, 1) : fixed(n, 2));

// One busy second is a GC pause or a burst; several mean the client could not keep up.
const SATURATED_SECONDS_TO_WARN = 3;

export function table(rows: string[][], align: Array<'l' | 'r'> = []): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => ((align[c] ?? (c === 0 ? 'l' : 'r')) === 'l' ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd(),
  );
}

function latencyRow(name: string, l: LatencySummary): string[] {
  return [name, ms(l.p50), ms(l.p90), ms(l.p99), ms(l.p999), ms(l.max), int(l.count)];
}

export function verdictLine(r: Result, exitCode: number, reasons: string[] = []): string {
  const why: string[] = [];
  if (r.abandoned) why.push(`gave up: ${r.abandoned}`);
  if (r.failed) why.push(`${int(r.failed)} failed`);
  if (r.missing && !r.partial) why.push(`${int(r.missing)} missing${r.fanOut?.lost.length ? ` (on ${r.fanOut.lost.join(', ')})` : ''}`);
  if (r.unaccounted) why.push(`${int(r.unaccounted)} unaccounted (not proven lost: see warning)`);
  if (r.dlqDepth) why.push(`${int(r.dlqDepth)} in the DLQ`);
  if (r.orderViolations) why.push(`${int(r.orderViolations)} out of FIFO order`);
  if (r.coverage && !r.coverage.complete) why.push('integrity not judged: send results lacking (see warning)');
  if (r.coverage?.interrupted.length) {
    const n = r.coverage.interrupted.length;
    why.push(`${n} part${n > 1 ? 's' : ''} interrupted${r.notSent ? ` (${int(r.notSent)} not sent, not counted missing)` : ''}`);
  }
  why.push(...reasons);
  switch (exitCode) {
    case EXIT.ok:
      return `PASS  exit 0: nothing failed${r.phases.drain && !r.partial ? ', nothing missing' : ''}`;
    case EXIT.sigint:
    case EXIT.sigterm:
      return `STOPPED  exit ${exitCode}: interrupted by ${r.interrupted}; the numbers above cover what ran`;
    case EXIT.threshold:
      return `FAIL  exit 99: a threshold failed${why.length ? ' (also ' + why.join(', ') + ')' : ''}`;
    default:
      return `FAIL  exit ${exitCode}: ${why.join(', ') || 'incomplete'}`;
  }
}

export interface SummaryExtras {
  /** Lines shown before the verdict (e.g. where the result was stored). */
  notes?: string[];
  /** Reasons for the exit code that the result itself does not carry. */
  reasons?: string[];
}

export function renderSummary(r: Result, exitCode: number, extras: SummaryExtras = {}): string {
  const out: string[] = [];
  const span = `${fixed(r.durationMs / 1000, 1)} s`;
  const shard = r.parts > 1 ? `${r.parts} results merged` : `shard ${r.shard}/${r.shards}`;
  out.push(`sqs-blast ${r.kind}  run ${r.runIds?.join(',') ?? r.runId}  ${shard}  ${span}${r.interrupted ? `  (interrupted: ${r.interrupted})` : ''}`);
  const cfg = r.config as { endpoint?: string; region?: string; proxy?: string; queues?: unknown; client?: string; topicArn?: string };
  // Where the run went and for which region it signed: a real account's first question.
  const region = cfg.region && cfg.endpoint !== 'local' ? `  region ${cfg.region}` : '';
  const proxy = cfg.proxy ? `  via proxy ${cfg.proxy}` : '';
  // The SDK's client reads retries and errors differently (README, --client): say when it carried the calls.
  const client = cfg.client === 'sdk' ? '  client sdk' : '';
  const where = cfg.topicArn ? `topic ${cfg.topicArn}` : `queues ${r.queues.length || '?'}`;
  if (cfg.endpoint) out.push(`endpoint ${cfg.endpoint}${region}${proxy}  ${where}${client}`);
  const through = r.downstream;
  if (through) out.push(`service  drained its output ${through.queues.map((u) => u.split('/').pop()).join(', ')}: end-to-end is the latency through the service`);
  out.push('');

  const counts: string[][] = [['messages', 'count', 'msg/s']];
  if (r.phases.send) {
    counts.push(['sent', int(r.sent), fixed(r.throughput.send)]);
    counts.push(['failed', int(r.failed), '']);
    // Planned but never attempted (interrupted, or --duration ended first): not sent, not missing.
    const unsent = r.notSent ?? (r.planned !== null ? Math.max(0, r.planned - r.attempted) : 0);
    if (unsent) counts.push(['not sent', int(unsent), '']);
    // Sent and checked like any message, but out of msg/s and latency (--warmup).
    if (r.warmupSent) counts.push(['  in warm-up', int(r.warmupSent), 'not counted']);
  }
  if (r.phases.drain) {
    counts.push(['received', int(r.received), fixed(r.throughput.receive)]);
    counts.push(['deleted', int(r.deleted), '']);
    if (r.deleteFailed) counts.push(['delete failed', int(r.deleteFailed), '']);
  }
  counts.push(['retries', int(r.retries), '']);
  out.push(...table(counts));
  out.push('');
  if (r.consumers) out.push(consumersLine(r.consumers), '');

  // A latency shows where its phase ran (metrics/latencies.ts), in the table's order.
  const lat = LATENCY_ROWS.flatMap((l) => {
    const summary = r[l.result];
    return summary && r.phases[l.phase] ? [latencyRow(latencyLabel(l, r.downstream !== undefined), summary)] : [];
  });
  if (lat.length) {
    out.push(...table([['latency ms', 'p50', 'p90', 'p99', 'p99.9', 'max', 'count'], ...lat]));
    out.push('');
  }

  const errors = Object.entries(r.errors).sort((a, b) => b[1] - a[1]);
  if (errors.length) {
    out.push(`errors (${int(sumCounts(r.errors))} events; retried unless counted failed below)`);
    out.push(...table(errors.map(([code, n]) => ['  ' + code, int(n), r.failures[code] ? `${int(r.failures[code])} msgs failed` : ''])));
    out.push('');
  }

  if (r.phases.drain) {
    const exact = r.missingExact ? '' : ' (lower bound: producer ran by duration)';
    const unjudged = r.coverage && !r.coverage.complete ? ' (not judged: send results lacking)' : '';
    const unsent = r.notSent ? ` · not sent ${int(r.notSent)}` : '';
    const missing = r.partial
      ? `missing n/a (drain shard ${r.shard} of ${r.shards}: merge with sqs-blast report)`
      : `missing ${int(r.missing)}${exact}${unjudged}${unsent}`;
    const dlq = r.dlqDepth === null ? 'DLQ n/a' : `DLQ ${int(r.dlqDepth)}`;
    const order = r.orderViolations === null ? '' : ` · FIFO order violations ${int(r.orderViolations)}`;
    const resent = r.resent ? ` · resent ${int(r.resent)}` : '';
    const unaccounted = r.unaccounted ? ` · unaccounted ${int(r.unaccounted)}` : '';
    const seenFailed = r.seenFailed ? ` · seen though failed ${int(r.seenFailed)}` : '';
    out.push(
      `integrity  distinct ${int(r.distinct)} · duplicates ${int(r.duplicates)}${resent} · redelivered ${int(r.redelivered ?? 0)} · ${missing}${unaccounted}${seenFailed} · foreign ${int(r.foreign)} · ${dlq}${order}`,
    );
  }
  out.push(...fanOutLines(r, table));
  const sizes = Object.entries(r.sizes ?? {});
  if (sizes.length > 1) out.push(`sizes      ${sizes.map(([upTo, n]) => `≤${upTo} ${int(n)}`).join(' · ')} (messages sent)`);
  const left = r.queues.reduce((n, q) => n + messagesIn(q), 0);
  if (r.queues.length) out.push(`queues     ${r.queues.length} · messages left ${int(left)}`);
  if (r.cost?.units) {
    const c = r.cost;
    const sns = topicCost(c);
    out.push(`cost       ${int(c.units)} billed requests (send ${int(c.sendUnits)} · receive ${int(c.receiveUnits)} · delete ${int(c.deleteUnits)}${c.visibilityUnits ? ` · visibility ${int(c.visibilityUnits)}` : ''}${sns.parts}) ≈ $${c.usd.toFixed(4)} at $${c.pricePerMillion}/M${sns.prices}`);
  }
  if (r.client) {
    const c = r.client;
    const per = c.usPerMessage === null ? '' : ` · ${fixed(c.usPerMessage, 1)} µs/msg`;
    out.push(`client     CPU ${fixed(c.cpuUserS + c.cpuSystemS, 1)} s${per} · peak RSS ${int(c.maxRssMb)} MB${c.embeddedServer ? ' (includes the embedded server)' : ''}`);
  }
  if (r.clockOffsetMs) {
    const s = fixed(Math.abs(r.clockOffsetMs) / 1000, 1);
    out.push(`clock      this machine's clock is ${s} s ${r.clockOffsetMs > 0 ? 'behind' : 'ahead of'} SQS's: requests were signed on SQS's time, as the SDK does (SQS refuses a signature over 5 min off); sync the clock (NTP)`);
  }
  if (r.credentialRefreshes) out.push(`credentials refreshed ${int(r.credentialRefreshes)} times during the run (expiring keys replaced before, or when, SQS refused them)`);
  const busy = loopBusy(r.timeline);
  if (busy) {
    out.push(`${r.client ? '          ' : 'client    '} worker event loops ${pct(busy.mean)} busy${busy.peak === null ? '' : `, busiest second ${pct(busy.peak)}`}`);
    if (busy.saturatedSeconds >= SATURATED_SECONDS_TO_WARN) {
      out.push(
        `warning    worker loops were ≥ ${pct(SATURATED)} busy in ${int(busy.saturatedSeconds)} s: there the client, not SQS, set msg/s and latency; add --workers or pods`,
      );
    }
  }
  for (const w of r.coverage?.warnings ?? []) out.push(`warning    ${w}`);
  if (through?.inputLeft) {
    out.push(`warning    ${int(through.inputLeft)} messages were still in the queues the service reads when the run ended: that many unseen ones are unaccounted (maybe still in the service), not missing`);
  }
  if (r.unseenInQueues) {
    out.push(`warning    ${int(r.unseenInQueues)} unseen messages may still be in the queues (they held ${int(r.queues.reduce((n, q) => n + messagesIn(q), 0))} when the drain ended, visible or in flight): unaccounted, not missing; drain again after the visibility timeout to settle them`);
  }
  for (const p of r.coverage?.interrupted ?? []) {
    out.push(`note       ${p.kind} shard ${p.shard} of run ${p.runId} was interrupted (${p.signal}): what it never attempted counts as not sent`);
  }
  out.push(...(extras.notes ?? []));
  if (r.thresholds?.length) {
    out.push('');
    out.push(
      ...table(
        [['threshold', 'actual', 'result'], ...r.thresholds.map((t) => [t.expr, formatActual(t), t.ok ? 'pass' : 'FAIL'])],
        ['l', 'r', 'l'],
      ),
    );
  }
  out.push(verdictLine(r, exitCode, extras.reasons));
  return out.join('\n');
}

/** send --observe: the user's consumers in one line, from the queue depth sampled every second. */
function consumersLine(c: NonNullable<Result['consumers']>): string {
  const growth = `${c.growthPerSec > 0 ? '+' : ''}${fixed(c.growthPerSec)}`;
  const dlq = c.dlqGain === null ? 'no DLQ' : `DLQ +${int(c.dlqGain)}`;
  return `consumers  yours took ${fixed(c.consumedPerSec)} msg/s of ${fixed(c.sentPerSec)} sent · backlog ${growth} msg/s · ${dlq}  (queue depth, ${c.samples} samples)`;
}
