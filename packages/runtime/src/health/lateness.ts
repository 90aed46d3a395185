// Start lateness (started minus due) of the most recent starts, kept in a fixed ring so recording is
// O(1) on the hot path and p50/p99 are computed only when someone asks (metrics, benchmarks).

export interface LatenessSummary {
  /** Starts the figures cover (the most recent, at most the window). */
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export class LatenessWindow {
  readonly #ring: Float64Array;
  #next = 0;
  #filled = 0;

  constructor(size = 4096) {
    this.#ring = new Float64Array(size);
  }

  record(ms: number): void {
    this.#ring[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#ring.length;
    if (this.#filled < this.#ring.length) this.#filled++;
  }

  summary(): LatenessSummary {
    const n = this.#filled;
    if (n === 0) return { samples: 0, p50: 0, p99: 0, max: 0 };
    const sorted = this.#ring.slice(0, n).sort();
    // Nearest rank: the smallest value with at least q of the samples at or below it.
    const at = (q: number): number => sorted[Math.max(0, Math.ceil(q * n) - 1)] ?? 0;
    return { samples: n, p50: at(0.5), p99: at(0.99), max: sorted[n - 1] ?? 0 };
  }
}
