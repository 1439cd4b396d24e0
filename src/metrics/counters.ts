/** Counts by name (error codes, mostly) that add up across threads and pods. */
export type CountMap = Record<string, number>;

export function bump(map: CountMap, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

export function addCounts(into: CountMap, from: CountMap | undefined): CountMap {
  if (from) for (const [k, v] of Object.entries(from)) bump(into, k, v);
  return into;
}

export function sumCounts(map: CountMap): number {
  let n = 0;
  for (const v of Object.values(map)) n += v;
  return n;
}
