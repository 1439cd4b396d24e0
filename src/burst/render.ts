/** The burst search as text: one row per step, then the verdict. */
import { table } from '../report/summary.js';
import type { Search } from '../result/burst.js';

const ms = (v: number | null) => (v === null ? '-' : v.toFixed(1));

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

const optional = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(v));

export function renderSearch(s: Search, title = 'sqs-blast burst'): string {
  // The depth growth column only where consumers ran (burst --drain).
  // --consumer external: the consumers' pace, the backlog's growth and the DLQ's instead.
  const external = s.steps.some((x) => x.consumedPerSec !== undefined);
  const drain = !external && s.steps.some((x) => x.depthGrowth !== null);
  const consumerHead = external ? ['consumers msg/s', 'backlog msg/s', 'DLQ'] : drain ? ['depth growth'] : [];
  const rows = [['step', 'target msg/s', 'achieved', 'p50 ms', 'p99 ms', 'throttles', 'errors', ...consumerHead, 'client busy', 'host CPU', 'verdict']];
  s.steps.forEach((x, i) =>
    rows.push([
      `${i + 1} ${x.phase}`,
      String(x.target),
      String(x.achieved),
      ms(x.p50),
      ms(x.p99),
      String(x.throttles),
      String(x.errors),
      ...(drain ? [x.depthGrowth === null ? '-' : signed(x.depthGrowth)] : []),
      ...(external ? [optional(x.consumedPerSec), x.backlogPerSec === null || x.backlogPerSec === undefined ? '-' : signed(x.backlogPerSec), x.dlqGain === null || x.dlqGain === undefined ? '-' : signed(x.dlqGain)] : []),
      x.clientBusy === null ? '-' : `${Math.round(x.clientBusy * 100)}%`,
      x.hostBusy === null || x.hostBusy === undefined ? '-' : `${Math.round(x.hostBusy * 100)}%`,
      x.passed ? 'pass' : 'FAIL: ' + x.why.join('; '),
    ]),
  );
  return [title, '', ...table(rows), '', s.verdict].join('\n');
}
