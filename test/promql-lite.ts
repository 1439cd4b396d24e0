/**
 * Just enough PromQL to evaluate the Grafana dashboard's own queries over real scrapes: the
 * aggregations sum/avg/max/count (with `by`), rate() and max_over_time() over a range, histogram_quantile() with
 * Prometheus's linear interpolation inside a bucket. Label matchers are ignored (every series of
 * the test is the one run). An unknown form throws, so a query this cannot read fails the test.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Snapshot {
  t: number;
  samples: Sample[];
}
type Vec = Array<{ labels: Record<string, string>; value: number }>;

const key = (l: Record<string, string>) => JSON.stringify(Object.entries(l).sort());

export function evaluate(expr: string, history: Snapshot[], at: number, rangeS: number): Vec {
  // $__range: the whole history (a dashboard's time range covering the run).
  const p = new Parser(expr.replace(/\$__rate_interval/g, `${rangeS}s`).replace(/\$__range/g, '86400s'));
  const node = p.expr();
  p.end();
  return node(history, at);
}

type Node = (h: Snapshot[], at: number) => Vec;

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  private ws() {
    while (/\s/.test(this.s[this.i] ?? '')) this.i++;
  }
  private eat(tok: string) {
    this.ws();
    if (!this.s.startsWith(tok, this.i)) throw new Error(`expected ${tok} at ${this.i} in ${this.s}`);
    this.i += tok.length;
  }
  private ident(): string {
    this.ws();
    const m = /^[a-zA-Z_][\w]*/.exec(this.s.slice(this.i));
    if (!m) throw new Error(`expected a name at ${this.i} in ${this.s}`);
    this.i += m[0].length;
    return m[0];
  }
  end() {
    this.ws();
    if (this.i !== this.s.length) throw new Error(`unread: ${this.s.slice(this.i)}`);
  }

  expr(): Node {
    const name = this.ident();
    this.ws();
    if (['sum', 'avg', 'max', 'count'].includes(name)) {
      let by: string[] | undefined;
      if (this.s.startsWith('by', this.i)) {
        this.eat('by');
        this.eat('(');
        by = [this.ident()];
        this.ws();
        while (this.s[this.i] === ',') {
          this.i++;
          by.push(this.ident());
        }
        this.eat(')');
      }
      this.eat('(');
      const inner = this.expr();
      this.eat(')');
      return (h, at) => aggregate(name, by ?? [], inner(h, at));
    }
    if (name === 'rate' || name === 'max_over_time') {
      this.eat('(');
      const metric = this.ident();
      this.selector();
      this.eat('[');
      const m = /^(\d+)s/.exec(this.s.slice(this.i));
      if (!m) throw new Error('range in seconds expected');
      this.i += m[0].length;
      this.eat(']');
      this.eat(')');
      return name === 'rate' ? (h, at) => rate(metric, h, at, Number(m[1])) : (h, at) => maxOverTime(metric, h, at, Number(m[1]));
    }
    if (name === 'histogram_quantile') {
      this.eat('(');
      this.ws();
      const m = /^[\d.]+/.exec(this.s.slice(this.i))!;
      this.i += m[0].length;
      this.eat(',');
      const inner = this.expr();
      this.eat(')');
      return (h, at) => quantile(Number(m[0]), inner(h, at));
    }
    this.selector();
    return (h, at) => instant(name, h, at);
  }

  private selector() {
    this.ws();
    if (this.s[this.i] !== '{') return;
    const close = this.s.indexOf('}', this.i);
    this.i = close + 1;
  }
}

function latest(h: Snapshot[], at: number): Snapshot | undefined {
  let best: Snapshot | undefined;
  for (const s of h) if (s.t <= at) best = s;
  return best;
}

function instant(name: string, h: Snapshot[], at: number): Vec {
  return (latest(h, at)?.samples ?? []).filter((s) => s.name === name).map((s) => ({ labels: s.labels, value: s.value }));
}

/** Per-second increase between the first and last samples inside the range, as Prometheus's rate (without extrapolation). */
function rate(name: string, h: Snapshot[], at: number, rangeS: number): Vec {
  const inRange = h.filter((s) => s.t <= at && s.t > at - rangeS * 1000);
  if (inRange.length < 2) return [];
  const [first, last] = [inRange[0], inRange[inRange.length - 1]];
  const before = new Map(first.samples.filter((s) => s.name === name).map((s) => [key(s.labels), s.value]));
  const dt = (last.t - first.t) / 1000;
  return last.samples
    .filter((s) => s.name === name && before.has(key(s.labels)))
    .map((s) => ({ labels: s.labels, value: (s.value - before.get(key(s.labels))!) / dt }));
}

/** Each series' highest value inside the range, series that ended included. */
function maxOverTime(name: string, h: Snapshot[], at: number, rangeS: number): Vec {
  const best = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const snap of h.filter((s) => s.t <= at && s.t > at - rangeS * 1000)) {
    for (const s of snap.samples) {
      if (s.name !== name) continue;
      const k = key(s.labels);
      const b = best.get(k);
      if (!b || s.value > b.value) best.set(k, { labels: s.labels, value: s.value });
    }
  }
  return [...best.values()];
}

function aggregate(op: string, by: string[], v: Vec): Vec {
  const groups = new Map<string, { labels: Record<string, string>; values: number[] }>();
  for (const s of v) {
    const labels = Object.fromEntries(by.map((b) => [b, s.labels[b] ?? '']));
    const g = groups.get(key(labels)) ?? { labels, values: [] };
    g.values.push(s.value);
    groups.set(key(labels), g);
  }
  return [...groups.values()].map(({ labels, values }) => ({
    labels,
    value: op === 'sum' ? values.reduce((a, b) => a + b, 0) : op === 'avg' ? values.reduce((a, b) => a + b, 0) / values.length : op === 'max' ? Math.max(...values) : values.length,
  }));
}

/** histogram_quantile over cumulative `le` buckets: linear inside the bucket the rank falls in. */
function quantile(q: number, v: Vec): Vec {
  const buckets = v.map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), n: s.value })).sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (!total) return [];
  const rank = q * total;
  let prevLe = 0;
  let prevN = 0;
  for (const b of buckets) {
    if (b.n >= rank) {
      if (b.le === Infinity) return [{ labels: {}, value: prevLe }];
      return [{ labels: {}, value: prevLe + ((b.le - prevLe) * (rank - prevN)) / Math.max(1e-12, b.n - prevN) }];
    }
    prevLe = b.le;
    prevN = b.n;
  }
  return [];
}
