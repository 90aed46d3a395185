// Phase timings from socket events: when the name resolved ('lookup'), the TCP connection opened
// ('connect'), the TLS handshake finished ('secureConnect') and the first answer byte arrived ('data').
// Marks are cumulative ms from the probe's start; the first of each wins (a dual-stack connect may
// look up and connect more than once).
import type { Socket } from 'node:net';
import type { ProbePhases } from './spec.js';

type Mark = 'dnsMs' | 'connectMs' | 'tlsMs' | 'firstByteMs';

export class PhaseClock {
  readonly #t0 = performance.now();
  readonly #marks: Partial<Record<Mark, number>> = {};
  #used = false;

  /** ms since the probe started, to the microsecond. */
  now(): number {
    return Math.round((performance.now() - this.#t0) * 1000) / 1000;
  }

  mark(m: Mark): void {
    this.#used = true;
    this.#marks[m] ??= this.now();
  }

  has(m: Mark): boolean {
    return this.#marks[m] !== undefined;
  }

  /** Whether the probe did I/O worth timing (phases are then reported). */
  get used(): boolean {
    return this.#used;
  }

  /** Counts the probe as timed even before a phase ends (a failed connect still has a total). */
  start(): void {
    this.#used = true;
  }

  /** Watches a socket; `firstByte` false for protocols where the first byte means nothing (pg startup). */
  watch(socket: Socket, firstByte = true): void {
    this.#used = true;
    socket.once('lookup', () => this.mark('dnsMs'));
    socket.once('connect', () => this.mark('connectMs'));
    socket.once('secureConnect', () => this.mark('tlsMs'));
    // Prepended: the HTTP parser's own 'data' listener emits 'response' before later listeners run.
    if (firstByte) socket.prependOnceListener('data', () => this.mark('firstByteMs'));
  }

  /** What the probe was doing when it stopped, for "timeout after 2000ms while connecting". */
  stage(o: { readonly resolves: boolean; readonly tls?: boolean; readonly answer: string }): string {
    if (!this.has('connectMs')) return o.resolves && !this.has('dnsMs') ? 'resolving the name' : 'connecting';
    if (o.tls && !this.has('tlsMs')) return 'in the TLS handshake';
    if (!this.has('firstByteMs')) return `waiting for ${o.answer}`;
    return `reading ${o.answer}`;
  }

  phases(): ProbePhases {
    return { ...this.#marks, totalMs: this.now() };
  }
}
