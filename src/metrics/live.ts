/**
 * What the main thread and the worker threads share while a run is on: a control block
 * (stop flag, send claims, drain totals) and one row of live counters per worker. Each worker
 * writes only its own row, so progress reads need no locks; exact totals come from each
 * worker's final result, not from here.
 */
import { createErrorCodeBuffer } from './error-code-slots.js';
import { createLatencyBuffer } from './latency-buckets.js';

export const CONTROL = {
  /** 0 running, 1 stop starting new calls, 2 abandon in-flight calls too. */
  stop: 0,
  /** Next batch index to claim (send): dense seqs across all workers of a process. */
  claim: 1,
  /** Messages received by all drain workers (for --expect). */
  received: 2,
  /** Messages the drain should reach before it stops; -1 unknown (run sets it when send ends). */
  expect: 3,
  /** 1 once idle timeouts may stop the drain (run arms it when its send side is done). */
  idleArmed: 4,
  /** Messages acknowledged by all send workers (for the backlog cap). */
  sent: 5,
  /** run: senders wait while sent - received exceeds this (0: no cap). */
  maxBacklog: 6,
  /** run: distinct messages of this run seen by all drain threads (shared bitmap). */
  distinct: 7,
  /** 1: a finished drain's polls still waiting on empty queues are cut (deletes in flight go on). */
  cutPolls: 8,
  /** Send workers that are ready to start the schedule (load/start.ts). */
  ready: 9,
  /** 1 once the schedule's start is set in SharedState.clock. */
  started: 10,
  /** ms the hot path adds to Date.now() when signing: the server's clock minus ours (sqs/clock-offset.ts). */
  clockOffset: 11,
} as const;
const CONTROL_SIZE = 12;

/** What the main thread reads while a run is on (progress, stop rules); exact totals come from results. */
export const FIELDS = ['sent', 'failed', 'errors', 'throttles', 'inflight', 'received', 'deleted', 'emptyPolls', 'lastMessageAt', 'retries', 'loopBusyMs', 'loopMs'] as const;
export type Field = (typeof FIELDS)[number];
const INDEX = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<Field, number>;

export interface SharedState {
  control: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  /** Live latency buckets and errors by code, per row (observe/: /metrics and the dashboard). */
  latency: SharedArrayBuffer;
  errorCodes: SharedArrayBuffer;
  rows: number;
  /** One float64: the schedule's start, monotonic ms (load/clock.ts), set once all send workers are ready. */
  clock: SharedArrayBuffer;
}

export function createSharedState(rows: number): SharedState {
  const control = new SharedArrayBuffer(CONTROL_SIZE * 4);
  new Int32Array(control)[CONTROL.expect] = -1;
  return { control, stats: new SharedArrayBuffer(rows * FIELDS.length * 8), latency: createLatencyBuffer(rows), errorCodes: createErrorCodeBuffer(rows), rows, clock: new SharedArrayBuffer(8) };
}

/** A worker's handle on its own row. */
export class LiveRow {
  private readonly row: Float64Array;
  readonly control: Int32Array;

  constructor(
    readonly state: SharedState,
    readonly index: number,
  ) {
    this.row = new Float64Array(state.stats, index * FIELDS.length * 8, FIELDS.length);
    this.control = new Int32Array(state.control);
  }

  add(field: Field, n = 1): void {
    this.row[INDEX[field]] += n;
  }

  set(field: Field, v: number): void {
    this.row[INDEX[field]] = v;
  }

  get stopLevel(): number {
    return Atomics.load(this.control, CONTROL.stop);
  }
}

/** The main thread's view: sums over rows, and the control block. */
export class LiveView {
  private readonly all: Float64Array;
  readonly control: Int32Array;

  constructor(private readonly state: SharedState) {
    this.all = new Float64Array(state.stats);
    this.control = new Int32Array(state.control);
  }

  sum(field: Field, rows?: number[]): number {
    let n = 0;
    const idx = INDEX[field];
    const list = rows ?? [...Array(this.state.rows).keys()];
    for (const r of list) n += this.all[r * FIELDS.length + idx];
    return n;
  }

  max(field: Field): number {
    let m = 0;
    const idx = INDEX[field];
    for (let r = 0; r < this.state.rows; r++) m = Math.max(m, this.all[r * FIELDS.length + idx]);
    return m;
  }

  stop(level: 1 | 2): void {
    if (Atomics.load(this.control, CONTROL.stop) < level) Atomics.store(this.control, CONTROL.stop, level);
  }

  cutPolls(): void {
    Atomics.store(this.control, CONTROL.cutPolls, 1);
  }

  get stopLevel(): number {
    return Atomics.load(this.control, CONTROL.stop);
  }

  setExpect(n: number): void {
    Atomics.store(this.control, CONTROL.expect, n);
  }

  setMaxBacklog(n: number): void {
    Atomics.store(this.control, CONTROL.maxBacklog, n);
  }

  armIdle(): void {
    Atomics.store(this.control, CONTROL.idleArmed, 1);
  }
}
