/**
 * Live progress: cli-progress bars on a terminal; a plain status line every few seconds when
 * stderr is not a TTY (a pod's log, CI). Both go to stderr so stdout stays clean for --json and
 * the result line.
 */
import cliProgress from 'cli-progress';

export interface ProgressSnapshot {
  elapsedMs: number;
  sent: number;
  failed: number;
  received: number;
  errors: number;
  throttles: number;
  inflight: number;
}

export interface ProgressOptions {
  tty: boolean;
  quiet: boolean;
  intervalMs: number;
  /** Messages the send side plans (undefined: duration-bounded). */
  sendTotal?: number;
  /** Messages the drain side expects (undefined: unknown). */
  drainTotal?: number;
  showSend: boolean;
  showDrain: boolean;
  stream?: NodeJS.WriteStream;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Seconds left at the current rate ("done" at the total, "-" when it cannot be told). */
export function eta(total: number | undefined, done: number, rate: number): string {
  if (total && done >= total) return 'done';
  if (!total || rate <= 0) return '-';
  const s = Math.ceil((total - done) / rate);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

export class Progress {
  private bars?: cliProgress.MultiBar;
  private sendBar?: cliProgress.SingleBar;
  private drainBar?: cliProgress.SingleBar;
  private lastLine = 0;
  private prev = { at: 0, sent: 0, received: 0 };
  private readonly stream: NodeJS.WriteStream;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    if (opts.quiet || !opts.tty) return;
    this.bars = new cliProgress.MultiBar(
      {
        stream: this.stream,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 20,
        format: '{side} |{bar}| {percentage}% {value}/{total} | {rate} msg/s | err {errors} | in flight {inflight} | ETA {left}',
        formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? fmt(v) : String(v)),
      },
      cliProgress.Presets.shades_classic,
    );
    const payload = { rate: '0', errors: '0', inflight: '0', left: '-' };
    if (opts.showSend) this.sendBar = this.bars.create(opts.sendTotal ?? 0, 0, { side: 'send ', ...payload });
    if (opts.showDrain) this.drainBar = this.bars.create(opts.drainTotal ?? opts.sendTotal ?? 0, 0, { side: 'drain', ...payload });
  }

  update(s: ProgressSnapshot, force = false): void {
    if (this.opts.quiet) return;
    const dt = (s.elapsedMs - this.prev.at) / 1000;
    if (this.bars) {
      if (dt < 0.2 && !force) return;
      const sendRate = dt > 0 ? (s.sent - this.prev.sent) / dt : 0;
      const recvRate = dt > 0 ? (s.received - this.prev.received) / dt : 0;
      this.prev = { at: s.elapsedMs, sent: s.sent, received: s.received };
      const errors = `${fmt(s.errors)}${s.throttles ? ` (${fmt(s.throttles)} throttled)` : ''}`;
      this.sendBar?.update(s.sent + s.failed, { rate: fmt(sendRate), errors, inflight: fmt(s.inflight), left: eta(this.opts.sendTotal, s.sent + s.failed, sendRate) });
      if (this.drainBar) {
        // Unknown totals: let the bar track what has been sent so far.
        const total = this.opts.drainTotal ?? Math.max(s.received, this.opts.sendTotal ?? s.sent);
        if (!this.opts.drainTotal) this.drainBar.setTotal(total);
        this.drainBar.update(s.received, { rate: fmt(recvRate), errors, inflight: '-', left: eta(total, s.received, recvRate) });
      }
      return;
    }
    if (s.elapsedMs - this.lastLine < this.opts.intervalMs && !force) return;
    this.lastLine = s.elapsedMs;
    const sendRate = dt > 0 ? (s.sent - this.prev.sent) / dt : 0;
    const recvRate = dt > 0 ? (s.received - this.prev.received) / dt : 0;
    this.prev = { at: s.elapsedMs, sent: s.sent, received: s.received };
    const parts = [`[${(s.elapsedMs / 1000).toFixed(0)}s]`];
    if (this.opts.showSend) {
      const of = this.opts.sendTotal ? `/${fmt(this.opts.sendTotal)}` : '';
      parts.push(`sent ${fmt(s.sent)}${of} (${fmt(sendRate)} msg/s)`, `failed ${fmt(s.failed)}`);
    }
    if (this.opts.showDrain) {
      const of = this.opts.drainTotal ? `/${fmt(this.opts.drainTotal)}` : '';
      parts.push(`received ${fmt(s.received)}${of} (${fmt(recvRate)} msg/s)`);
    }
    parts.push(`errors ${fmt(s.errors)}`, `throttled ${fmt(s.throttles)}`);
    this.stream.write(parts.join('  ') + '\n');
  }

  /** The last update, always shown, then the bars are released. */
  finish(s: ProgressSnapshot): void {
    this.update(s, true);
    this.stop();
  }

  stop(): void {
    this.bars?.stop();
  }
}
