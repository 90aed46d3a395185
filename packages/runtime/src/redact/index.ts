// Redaction by value. Masking by variable name or by pattern ("best effort", as StackStorm calls its own)
// misses a secret the moment a command prints it: `curl -v` echoes an Authorization header, a failing
// client quotes its DSN, a script does `echo "$TOKEN"`. So we match the secret *values* themselves, in
// the forms they commonly travel in (escaped, encoded, reversed, spaced, line-split), wherever they appear.
//
// Matching works on bytes, not on decoded text: a child's output is not necessarily valid UTF-8, a chunk
// boundary can fall inside a multi-byte character, and a digest taken over the redacted stream must be
// of exact bytes. The forms are listed in forms.ts (what is enumerated) and views.ts (what is undone).
import { Transform } from 'node:stream';
import { RuntimeError } from '../errors.js';
import { CONTROL, MIN_SECRET_LENGTH, formsOf, partsOf, type Forms } from './forms.js';
import { StreamMatcher, patternSet, type PatternSet, type Span } from './matcher.js';

export { CONTROL, MIN_FUZZY_LENGTH, MIN_SECRET_LENGTH } from './forms.js';

/** What replaces every redacted span (one mark per contiguous span, whatever its length). */
export const REDACTION_MARK = '••••••';

/**
 * Secrets are text: a control character other than tab and line breaks (NUL, ESC, DEL, C1) is refused
 * when the value is resolved. Such a value cannot reach a step through the environment anyway (Node
 * refuses NUL there, quoting the value in its error), and every tool quotes it its own way. Tabs and
 * line breaks stay allowed (PEM keys); the Redactor also masks the printable parts of such a value.
 */
export function assertSecretText(name: string, value: string, from: string): void {
  const m = CONTROL.exec(value);
  if (!m) return;
  const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  throw new RuntimeError(
    'INPUT_INVALID',
    `secret input ${name} (from ${from}) contains the control character ${code}: secrets must be text (tabs and line breaks are allowed); check how the value was written`,
  );
}

const MARK_BYTES = Buffer.from(REDACTION_MARK, 'utf8');
const EMPTY = Buffer.alloc(0);

/**
 * Replaces every occurrence of the given secret values, in every form the views recognise, with
 * {@link REDACTION_MARK}. Overlapping occurrences are redacted as their union, so a longer secret that
 * contains a shorter one is masked whole and nothing of either is left showing.
 *
 * Values shorter than {@link MIN_SECRET_LENGTH} are not redacted: a 1–3 character value ("1", "yes",
 * "443") occurs all over ordinary output, so masking it would mangle logs and turn the marks into an
 * oracle that shows where it occurs. `ignored` counts them so the caller can warn.
 */
export class Redactor {
  /** How many of the given values were too short to redact (see {@link MIN_SECRET_LENGTH}). */
  readonly ignored: number;
  /** Byte length of the longest raw pattern. */
  readonly maxPatternBytes: number;
  readonly #patterns: PatternSet;
  readonly #empty: boolean;
  /** A matcher for one-shot calls, reused: they are synchronous, so one is never in use twice. */
  #spare: StreamMatcher | null = null;

  constructor(secrets: Iterable<string | undefined>) {
    const forms: Forms[] = [];
    let ignored = 0;
    for (const s of secrets) {
      if (typeof s !== 'string' || s.length === 0) continue;
      if (s.length < MIN_SECRET_LENGTH) {
        ignored++;
        continue;
      }
      // A value holding control characters is also matched by its printable parts (a PEM key's lines):
      // whatever quoting a tool applies to the control characters, the parts travel unchanged.
      forms.push(formsOf(s), ...partsOf(s).map(formsOf));
    }
    this.ignored = ignored;
    this.#patterns = patternSet(forms);
    this.#empty = forms.length === 0;
    this.maxPatternBytes = this.#patterns.raw?.maxLen ?? 0;
  }

  /** True when there is nothing to redact (every call is then the identity). */
  get isEmpty(): boolean {
    return this.#empty;
  }

  redact(text: string): string {
    if (this.#empty || text.length === 0) return text;
    return this.#oneShot((m) => {
      const s = new RedactionStream(m);
      const out = Buffer.concat([s.push(text), s.end()]);
      return s.masked ? out.toString('utf8') : text;
    });
  }

  redactBytes(data: Uint8Array): Buffer {
    if (this.#empty) return Buffer.from(data);
    return this.#oneShot((m) => {
      const s = new RedactionStream(m);
      const head = s.push(data);
      const tail = s.end();
      return tail.length === 0 ? head : Buffer.concat([head, tail]);
    });
  }

  /** True when some secret occurs in `data` in some form (what the ledger's screen asks). */
  finds(data: Uint8Array | string): boolean {
    if (this.#empty) return false;
    return this.#oneShot((m) => m.feed(typeof data === 'string' ? Buffer.from(data, 'utf8') : data, true).spans.length > 0);
  }

  #oneShot<T>(fn: (m: StreamMatcher) => T): T {
    const m = this.#spare ?? new StreamMatcher(this.#patterns);
    this.#spare = null;
    try {
      return fn(m);
    } finally {
      m.reset();
      this.#spare = m;
    }
  }

  /** An incremental redactor for one stream of bytes: a secret split across chunks is still caught. */
  stream(): RedactionStream {
    return new RedactionStream(this.#empty ? null : new StreamMatcher(this.#patterns));
  }

  /** The same as a node:stream Transform, e.g. `child.stdout.pipe(redactor.transform())`. */
  transform(): Transform {
    const s = this.stream();
    return new Transform({
      transform(chunk: Buffer | string, _enc, cb) {
        const out = s.push(chunk);
        cb(null, out.length > 0 ? out : undefined);
      },
      flush(cb) {
        const out = s.end();
        cb(null, out.length > 0 ? out : undefined);
      },
    });
  }
}

/**
 * Streaming redaction. Bytes are held back only while an occurrence that would cover them may still
 * complete (the matcher says how far output is final), so live output lags by about one pattern. A span
 * that runs into held-back bytes is remembered (`#maskedUntil`), so its rest is masked without a second
 * mark; the output equals a one-shot redaction of the whole, however the stream is cut.
 */
export class RedactionStream {
  readonly #m: StreamMatcher | null;
  /** Raw bytes not yet emitted; the first is at offset `#emitted` of the stream. */
  #carry: Buffer = EMPTY;
  #emitted = 0;
  /** Spans found that start at or after `#emitted`. */
  #spans: Span[] = [];
  /** End of the last mark's span: bytes before it are masked, and a span starting by it joins that mark. */
  #maskedUntil = -1;
  #ended = false;
  /** Some span was masked. */
  masked = false;

  constructor(matcher: StreamMatcher | null) {
    this.#m = matcher;
  }

  /** Feeds a chunk; returns the redacted bytes that are now final (possibly none). */
  push(chunk: Uint8Array | string): Buffer {
    if (this.#ended) throw new Error('RedactionStream: push after end');
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.#m) return data;
    this.#carry = this.#carry.length === 0 ? data : Buffer.concat([this.#carry, data]);
    const r = this.#m.feed(data, false);
    return this.#emit(r.spans, r.safe);
  }

  /** Flushes the held-back tail. */
  end(): Buffer {
    if (this.#ended || !this.#m) {
      this.#ended = true;
      return EMPTY;
    }
    this.#ended = true;
    const r = this.#m.feed(EMPTY, true);
    return this.#emit(r.spans, r.safe);
  }

  #emit(found: readonly Span[], upTo: number): Buffer {
    if (found.length > 0) this.#spans.push(...found);
    const base = this.#emitted;
    if (upTo <= base) return EMPTY;
    const buf = this.#carry;
    const parts: Buffer[] = [];
    let cur = base;
    if (this.#maskedUntil > cur) cur = Math.min(this.#maskedUntil, upTo);
    const later: Span[] = [];
    this.#spans.sort((a, b) => a[0] - b[0]);
    for (const span of this.#spans) {
      const [s, e] = span;
      if (s >= upTo) {
        later.push(span);
        continue;
      }
      if (e <= cur) continue;
      const from = Math.max(s, cur);
      if (from <= this.#maskedUntil && cur <= this.#maskedUntil) {
        this.#maskedUntil = Math.max(this.#maskedUntil, e);
      } else {
        if (from > cur) parts.push(buf.subarray(cur - base, from - base));
        parts.push(MARK_BYTES);
        this.masked = true;
        this.#maskedUntil = e;
      }
      cur = Math.max(cur, Math.min(this.#maskedUntil, upTo));
    }
    if (cur < upTo) parts.push(buf.subarray(cur - base, upTo - base));
    this.#spans = later;
    this.#emitted = upTo;
    this.#carry = Buffer.from(buf.subarray(upTo - base));
    return parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts);
  }
}
