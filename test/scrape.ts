/** Reading /metrics as Prometheus would: a real text-format parser (parse-prometheus-text-format). */
// @ts-expect-error the parser ships no types; its output shape is prom2json's, typed below.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

interface Family {
  name: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }>;
}

export interface Scrape {
  families: Map<string, Family>;
  /** A counter's or gauge's value summed over its series (0 when it has none). */
  value(name: string): number;
  /** Series of a metric, by one label's value. */
  byLabel(name: string, label: string): Record<string, number>;
  /**
   * A histogram's cumulative buckets. This parser folds _count and _sum only into unlabelled
   * histograms, so the count is read where Prometheus also defines it: the +Inf bucket.
   */
  histogram(name: string): { count: number; buckets: Record<string, number> };
}

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  const families = new Map<string, Family>((parsePrometheusTextFormat(await res.text()) as Family[]).map((f) => [f.name, f]));
  const fam = (name: string) => {
    const f = families.get(name);
    if (!f) throw new Error(`no ${name} in the scrape`);
    return f;
  };
  return {
    families,
    value: (name) => fam(name).metrics.reduce((n, m) => n + Number(m.value), 0),
    byLabel: (name, label) => Object.fromEntries(fam(name).metrics.map((m) => [m.labels![label], Number(m.value)])),
    histogram: (name) => {
      const [m] = fam(name).metrics;
      const buckets = Object.fromEntries(Object.entries(m.buckets ?? {}).map(([k, v]) => [k, Number(v)]));
      return { count: buckets['+Inf'], buckets };
    },
  };
}
