/** A finished result as a document for the sink (report/sink.ts): its summary, HTML and result lines. */
import type { OutputOptions } from '../config.js';
import type { Result } from '../result/document.js';
import type { ResultStore } from './s3.js';
import { deliver } from './sink.js';
import { renderSummary } from './summary.js';
import { renderHtml } from './html.js';

/** Print and store the result (report/sink.ts says how, and what a failed upload does); returns the exit code. */
export function emit(result: Result, output: OutputOptions, exitCode: number, store?: ResultStore, afterStored?: () => Promise<void>): Promise<number> {
  return deliver(
    { doc: result, noun: 'result', key: result, lines: true, text: (code, stored) => renderSummary(result, code, stored), html: () => renderHtml(result), afterStored },
    output,
    exitCode,
    store,
  );
}
