// Finds every occurrence of every form of the secrets in a byte stream, chunk by chunk, and reports the
// raw spans to mask. Cost is linear in the output: each byte goes once through each view, and each view
// is searched once for a fixed set of patterns (only the bytes new since the last chunk, plus a tail one
// pattern long), comparing only the patterns whose first two bytes are there.
import { MIN_SECRET_LENGTH, type Forms } from './forms.js';
import { HexStage, RawStage, SqueezeStage, UnescapeStage, unescapeOnce, type Stage, type ViewBuffer } from './views.js';

/** Raw bytes per round: bounds the views' buffers. */
const SLICE = 64 * 1024;

export type Span = [start: number, end: number];

/** The patterns of all secrets, by view, compiled once per Redactor and shared by its streams. */
export interface PatternSet {
  readonly raw: Searcher | null;
  readonly unescaped: Searcher | null;
  readonly squeezed: Searcher | null;
  readonly hex: Searcher | null;
  /** Some squeezed pattern holds `\\` or `%`, which unescaping changes: search before it and after one layer too. */
  readonly squeezeOnce: boolean;
}

/**
 * A value holding `\\` or `%` sequences is itself changed by the views: JSON-escaped, its `%41` still
 * reads `A` after one layer; URL-encoded inside JSON, its `\\n` becomes a newline after two. So the
 * unescaped views also look for the value as each layer (either kind, or both) would leave it.
 */
function residues(v: Buffer): Buffer[] {
  if (!v.includes(0x5c) && !v.includes(0x25)) return [v];
  const d = unescapeOnce(v);
  const p = unescapeOnce(v, { backslash: false });
  const b = unescapeOnce(v, { percent: false });
  return [v, d, p, b, unescapeOnce(d), unescapeOnce(p, { backslash: false }), unescapeOnce(b, { percent: false })];
}

export function patternSet(forms: readonly Forms[]): PatternSet {
  const pick = (k: keyof Forms): Searcher | null => {
    const seen = new Map<string, Buffer>();
    for (const f of forms) {
      for (const v of f[k]) {
        const bytes = Buffer.from(v, 'utf8');
        for (const r of k === 'unescaped' ? residues(bytes) : [bytes]) if (r.length >= MIN_SECRET_LENGTH) seen.set(r.toString('latin1'), r);
      }
    }
    const patterns = [...seen.values()].sort((a, b) => b.length - a.length);
    return patterns.length > 0 ? new Searcher(patterns) : null;
  };
  const squeezeOnce = forms.some((f) => f.squeezed.some((v) => v.includes('\\') || v.includes('%')));
  return { raw: pick('raw'), unescaped: pick('unescaped'), squeezed: pick('squeezed'), hex: pick('hex'), squeezeOnce };
}

/**
 * A view's patterns, bucketed by their first two bytes: one pass over the view looks each position up
 * in a 64 Ki table and compares only the few patterns that start there. Cost per byte does not grow
 * with the number of patterns (a dozen forms per secret, times every secret of the run).
 */
export class Searcher {
  readonly maxLen: number;
  readonly #first = new Uint8Array(65536);
  readonly #buckets = new Map<number, Buffer[]>();
  readonly #minLen: number;

  constructor(patterns: readonly Buffer[]) {
    this.maxLen = patterns[0]?.length ?? 0;
    this.#minLen = patterns[patterns.length - 1]?.length ?? 0;
    for (const p of patterns) {
      const key = (p[0]! << 8) | p[1]!;
      this.#first[key] = 1;
      const list = this.#buckets.get(key);
      if (list) list.push(p);
      else this.#buckets.set(key, [p]);
    }
  }

  /** Occurrences in `view` that end after `seen` (the others were reported before). */
  find(view: ViewBuffer, seen: number, spans: Span[]): void {
    const bytes = view.bytes;
    const n = view.length;
    const first = this.#first;
    for (let i = Math.max(0, seen - this.maxLen + 1), last = n - this.#minLen; i <= last; i++) {
      if (first[(bytes[i]! << 8) | bytes[i + 1]!] === 0) continue;
      for (const p of this.#buckets.get((bytes[i]! << 8) | bytes[i + 1]!)!) {
        const m = p.length;
        if (i + m > n || i + m <= seen) continue;
        let k = 2;
        while (k < m && bytes[i + k] === p[k]) k++;
        if (k === m) spans.push([view.start[i]!, view.end[i + m - 1]!]);
      }
    }
  }
}

interface Searched {
  readonly stage: Stage;
  readonly searcher: Searcher;
  /** View bytes already searched (kept from the last round). */
  seen: number;
}

/**
 * One pass over one stream: raw → (unescape → unescape) with and without whitespace, and hex. Two
 * layers of unescaping, because a quoted form is often quoted again: util.inspect's `'\x00'` stored in
 * JSON reads `'\\x00'`.
 */
export class StreamMatcher {
  readonly #root = new RawStage();
  readonly #views: Searched[] = [];
  readonly #all: Stage[] = [];
  #fed = 0;

  constructor(p: PatternSet) {
    const e1 = this.#root.pipe(new UnescapeStage());
    const e2 = e1.pipe(new UnescapeStage());
    const add = (stage: Stage, searcher: Searcher | null): void => {
      this.#all.push(stage);
      if (searcher) this.#views.push({ stage, searcher, seen: 0 });
    };
    add(this.#root, p.raw);
    add(e1, p.unescaped);
    add(e2, p.unescaped);
    if (p.squeezed) {
      // Whitespace is squeezed after two layers of unescaping; also after none and one when a value holds
      // what unescaping changes (its spaced form `\\ x 4 1` would lose the backslash).
      if (p.squeezeOnce) {
        add(this.#root.pipe(new SqueezeStage()), p.squeezed);
        add(e1.pipe(new SqueezeStage()), p.squeezed);
      }
      add(e2.pipe(new SqueezeStage()), p.squeezed);
    }
    if (p.hex) add(this.#root.pipe(new HexStage()), p.hex);
  }

  /** Ready for another stream, keeping the buffers (one-shot calls reuse one matcher). */
  reset(): void {
    this.#root.reset();
    this.#fed = 0;
    for (const v of this.#views) v.seen = 0;
  }

  /**
   * Feeds a chunk (or, with `final`, ends the stream). Returns the raw spans of occurrences completed by
   * it and `safe`: every raw byte before it is final, as no occurrence still to be found covers it.
   */
  feed(chunk: Uint8Array, final: boolean): { spans: Span[]; safe: number } {
    const spans: Span[] = [];
    // In slices, so the views' buffers (17 bytes per view byte) stay small whatever the chunk size.
    for (let at = 0; at < chunk.length; at += SLICE) this.#round(chunk.subarray(at, at + SLICE), false, spans);
    return { spans, safe: this.#round(new Uint8Array(0), final, spans) };
  }

  #round(chunk: Uint8Array, final: boolean, spans: Span[]): number {
    this.#root.feed(chunk, final);
    this.#fed += chunk.length;
    let safe = final ? this.#fed : Infinity;
    for (const v of this.#views) {
      const out = v.stage.out;
      if (out.length > v.seen) v.searcher.find(out, v.seen, spans);
      // An occurrence still to complete starts in the last maxLen-1 view bytes or in pending input.
      const keep = v.searcher.maxLen - 1;
      if (!final) {
        const tail = Math.max(0, out.length - keep);
        safe = Math.min(safe, v.stage.nextRaw(), tail < out.length ? out.start[tail]! : Infinity);
      }
      out.keepLast(keep);
      v.seen = out.length;
    }
    // Views searched by none (intermediate ones) keep nothing: their children have consumed it.
    for (const s of this.#all) if (!this.#views.some((v) => v.stage === s)) s.out.length = 0;
    return Math.min(safe, this.#fed);
  }
}
