// A fake clock with its own timers, for code that takes `now` and setTimeout/clearTimeout injected
// (the check scheduler). Time moves only when a test says so. advance() fires timers in due order and
// lets the promise work each one starts settle before the next fires, so "a run that takes 300 ms" is
// `await clock.sleep(300)` and finishes at exactly +300 ms. stall() moves time without firing
// anything, like an event loop blocked by other work.
interface FakeTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class FakeClock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, FakeTimer>();

  /** Starts on a round epoch time (a multiple of 10 s and of 1 min), so offsets inside an interval read plainly. */
  constructor(start = 1_700_000_040_000) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  readonly setTimeout = (fn: () => void, ms: number): number => {
    const seq = ++this.#seq;
    this.#timers.set(seq, { at: this.#now + Math.max(0, ms), seq, fn });
    return seq;
  };

  readonly clearTimeout = (handle: unknown): void => {
    if (typeof handle === 'number') this.#timers.delete(handle);
  };

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Resolves `ms` later on this clock; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = (): void => {
        this.clearTimeout(handle);
        reject(signal?.reason as Error);
      };
      const handle = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }

  async advanceTo(end: number): Promise<void> {
    await settle();
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.#timers.values()) {
        if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (next === undefined) break;
      this.#timers.delete(next.seq);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
      await settle();
    }
    this.#now = Math.max(this.#now, end);
    await settle();
  }

  /** Moves time forward without firing timers: what a blocked event loop looks like from inside. */
  stall(ms: number): void {
    this.#now += ms;
  }
}

/** Lets every promise continuation queued so far (and those they queue) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
