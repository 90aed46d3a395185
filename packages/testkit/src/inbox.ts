// What the sinks share: a list of what arrived, and a wait for the first item (already there or still to
// come) that matches, so a test waits on the event it cares about instead of sleeping.

interface Waiter<T> {
  readonly pred: (item: T) => boolean;
  readonly resolve: (item: T) => void;
  readonly reject: (e: unknown) => void;
}

export class Inbox<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<Waiter<T>>();

  constructor(private readonly what: string) {}

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) {
      // A throwing predicate fails its own wait, not the server that called push().
      let hit: boolean;
      try {
        hit = w.pred(item);
      } catch (e) {
        this.waiters.delete(w);
        w.reject(e);
        continue;
      }
      if (hit) {
        this.waiters.delete(w);
        w.resolve(item);
      }
    }
  }

  /** The first item matching `pred`; rejects after `timeoutMs` (default 10 s) saying how many items did arrive. */
  waitFor(pred: (item: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
    try {
      const found = this.items.find(pred);
      if (found !== undefined) return Promise.resolve(found);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`no matching ${this.what} within ${timeoutMs} ms (${this.items.length} arrived, none matched)`));
      }, timeoutMs);
      const w: Waiter<T> = {
        pred,
        resolve: (item) => {
          clearTimeout(timer);
          resolve(item);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e as Error);
        },
      };
      this.waiters.add(w);
    });
  }
}
