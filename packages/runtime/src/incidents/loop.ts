// A background loop that sleeps until its next due time (or a poll interval, to see work other
// processes queued), can be woken at once, never runs twice at the same moment, and stops cleanly.
// Idle cost: one cheap query per poll interval.

export interface LoopOptions {
  readonly name: string;
  /** Does the due work; resolves with the time (ms) it next has work, if it knows. */
  readonly work: () => Promise<number | undefined>;
  readonly pollMs: number;
  readonly now?: () => number;
  readonly onError?: (e: unknown) => void;
}

export class WakeLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly o: LoopOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.wake();
  }

  /** Runs the work now (or right after the pass in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async pass(): Promise<void> {
    let next: number | undefined;
    try {
      next = await this.o.work();
    } catch (e) {
      this.o.onError?.(e);
    }
    if (this.stopped || this.again) return;
    const now = (this.o.now ?? Date.now)();
    const delay = Math.max(0, Math.min(this.o.pollMs, next === undefined ? this.o.pollMs : next - now));
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
