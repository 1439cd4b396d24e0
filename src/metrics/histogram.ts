/**
 * Latency histograms: hdr-histogram-js, recorded in microseconds from 1 µs to 1 hour at 3
 * significant digits (fixed size whatever the message count), encoded with HdrHistogram's
 * compressed base64 so results from threads and pods add up exactly.
 */
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

export type { Histogram };

const HOUR_US = 3_600_000_000;

/**
 * 3 significant digits for a run's histograms; a timeline's one-second histograms take 2 (1%),
 * which keeps each second to a few hundred bytes encoded.
 */
export function createHistogram(significantDigits: 2 | 3 = 3): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HOUR_US,
    numberOfSignificantValueDigits: significantDigits,
    autoResize: false,
  });
}

/** Record a duration given in milliseconds (float); clamps into the trackable range. */
export function recordMs(h: Histogram, ms: number): void {
  const us = Math.round(ms * 1000);
  h.recordValue(us < 1 ? 1 : us > HOUR_US ? HOUR_US : us);
}

export function encode(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decode(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded);
}

/** Add encoded histograms (any may be missing) into one fresh histogram. */
export function mergeEncoded(encoded: Array<string | undefined>): Histogram {
  const total = createHistogram();
  for (const e of encoded) if (e) total.add(decode(e));
  return total;
}

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Percentiles in milliseconds (floats), as the result JSON carries them. */
export function summarize(h: Histogram): LatencySummary {
  const n = h.totalCount;
  const ms = (us: number) => round3(us / 1000);
  return {
    count: n,
    min: n ? ms(h.minNonZeroValue) : 0,
    mean: n ? ms(h.mean) : 0,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: n ? ms(h.getValueAtPercentile(100)) : 0,
  };
}
