/**
 * --max-in-flight: a consumer's prefetch. A poller reserves room for a whole poll before it
 * asks, gives back what the poll did not bring, and each message frees its place once it is
 * done; pollers wait in turn while the thread holds its cap.
 */
export class InFlightGate {
  private held = 0;
  private readonly waiting: Array<{ n: number; go: () => void }> = [];

  constructor(readonly cap: number) {}

  get inFlight(): number {
    return this.held;
  }

  acquire(n: number): Promise<void> {
    if (this.waiting.length === 0 && this.held + n <= this.cap) {
      this.held += n;
      return Promise.resolve();
    }
    return new Promise((go) => this.waiting.push({ n, go }));
  }

  release(n: number): void {
    this.held -= n;
    while (this.waiting.length && this.held + this.waiting[0].n <= this.cap) {
      const next = this.waiting.shift()!;
      this.held += next.n;
      next.go();
    }
  }
}
