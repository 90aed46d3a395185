// The part of autocannon 9's API the benchmarks use (it ships no types and there is no @types package).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  export interface Options {
    readonly url: string;
    readonly method?: 'GET' | 'POST';
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly connections?: number;
    /** Seconds. */
    readonly duration?: number;
    /** Requests per second over all connections; each connection sends its share at the start of every second. */
    readonly overallRate?: number;
    /** A run before the measured one whose results are not counted. */
    readonly warmup?: { readonly connections?: number; readonly duration?: number };
    /** Total requests to send (instead of a duration). */
    readonly amount?: number;
    /** Per-request hooks: `setupRequest` may return the request with another body. */
    readonly requests?: readonly { readonly setupRequest?: (req: RequestParams) => RequestParams }[];
  }

  export interface RequestParams {
    readonly method?: string;
    readonly path?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
  }

  /** hdr-histogram-percentiles-obj: latencies in whole ms; requests sampled per second. */
  export interface Histogram {
    readonly average: number;
    readonly min: number;
    readonly max: number;
    readonly total: number;
    readonly p50: number;
    readonly p97_5: number;
    readonly p99: number;
  }

  export interface Result {
    readonly requests: Histogram & { readonly sent: number };
    readonly latency: Histogram;
    readonly throughput: Histogram;
    /** Seconds. */
    readonly duration: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly mismatches: number;
    readonly non2xx: number;
    readonly '2xx': number;
    readonly statusCodeStats: Readonly<Record<string, { readonly count: number }>>;
  }

  export interface Instance extends EventEmitter, PromiseLike<Result> {
    /** Every response of the measured run (not the warm-up); responseTime in fractional ms. */
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
  }

  export default function autocannon(opts: Options): Instance;
}
