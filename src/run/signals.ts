/**
 * SIGINT/SIGTERM: the first stops new work and gives calls in flight --grace seconds, a second
 * abandons them. During setup nothing was sent, so a signal ends the process at once.
 */
import type { LiveView } from '../metrics/live.js';

export class ProcessSignals {
  /** The signal that stopped the run, or null. */
  interrupted: string | null = null;
  private view?: LiveView;
  private graceTimer?: NodeJS.Timeout;
  private readonly sigint = () => this.on('SIGINT');
  private readonly sigterm = () => this.on('SIGTERM');

  constructor(private readonly graceMs: number) {
    process.on('SIGINT', this.sigint);
    process.on('SIGTERM', this.sigterm);
  }

  /** From here on a signal stops the load instead of the process. */
  loadStarted(view: LiveView): void {
    this.view = view;
  }

  private on(name: 'SIGINT' | 'SIGTERM'): void {
    const view = this.view;
    if (!view) {
      process.stderr.write(`\n${name}: interrupted while setting up; nothing was sent\n`);
      process.exit(name === 'SIGINT' ? 130 : 143);
    }
    if (this.interrupted) return view.stop(2); // second signal: abandon in-flight calls now
    this.interrupted = name;
    process.stderr.write(`\n${name}: stopping; in-flight calls get ${this.graceMs / 1000} s to finish (again to abandon them)\n`);
    view.stop(1);
    this.graceTimer = setTimeout(() => view.stop(2), this.graceMs);
    this.graceTimer.unref();
  }

  dispose(): void {
    process.off('SIGINT', this.sigint);
    process.off('SIGTERM', this.sigterm);
    if (this.graceTimer) clearTimeout(this.graceTimer);
  }
}
