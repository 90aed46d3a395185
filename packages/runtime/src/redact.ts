// Redaction by value. Masking by variable name or by pattern ("best effort", as StackStorm calls its own)
// misses a secret the moment a command prints it: `curl -v` echoes an Authorization header, a failing
// client quotes its DSN, a script does `echo "$TOKEN"`. So we match the secret *values* themselves, and
// the few encodings they commonly travel in, wherever they appear.
//
// Matching works on bytes, not on decoded text: a child's output is not necessarily valid UTF-8, a chunk
// boundary can fall inside a multi-byte character, and a digest taken over the redacted stream must be
// of exact bytes. UTF-8 is self-synchronising, so a pattern's bytes can only match at a character start.
import { Transform } from 'node:stream';

/** What replaces every redacted span (one mark per contiguous span, whatever its length). */
export const REDACTION_MARK = '••••••';

/**
 * Values shorter than this are not redacted. A 1–3 character value ("1", "yes", "dev", "443") occurs
 * all over ordinary output, so masking it would mangle logs and, worse, turn the marks into an oracle
 * that shows where the value occurs. A secret that short is guessable anyway, so it buys no protection:
 * the fix is a real secret, and `Redactor.ignored` lets the caller warn about it.
 */
export const MIN_SECRET_LENGTH = 4;

const MARK_BYTES = Buffer.from(REDACTION_MARK, 'utf8');
const EMPTY = Buffer.alloc(0);

/** The encodings a secret is looked for in, besides its plain value. */
function variantsOf(secret: string): string[] {
  const out = new Set<string>([secret]);
  const bytes = Buffer.from(secret, 'utf8');

  // Base64, standalone (with and without padding) and embedded: inside `user:password` of a Basic auth
  // header the secret starts at an arbitrary offset mod 3, so for each of the three alignments keep only
  // the characters whose 6 bits all come from the secret.
  const b64 = bytes.toString('base64');
  out.add(b64);
  out.add(b64.replace(/=+$/, ''));
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const from = Math.ceil((8 * k) / 6);
    const to = Math.floor((8 * (k + bytes.length)) / 6);
    out.add(enc.slice(from, to));
  }
  for (const v of [...out]) if (v !== secret) out.add(v.replace(/\+/g, '-').replace(/\//g, '_'));

  // URL encoding: RFC 3986 (encodeURIComponent), the form flavour (space as +), lower-case hex.
  const uri = encodeURIComponent(secret);
  out.add(uri);
  out.add(uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  out.add(new URLSearchParams({ v: secret }).toString().slice(2));

  // JSON string escaping: as JSON.stringify writes it, with non-ASCII as \uXXXX (Python's default), and
  // with `/` escaped as well (PHP's default).
  const json = JSON.stringify(secret).slice(1, -1);
  const ascii = json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  for (const j of [json, ascii]) out.add(j).add(j.replace(/\//g, '\\/'));

  return [...out].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

type Span = [start: number, end: number];

interface Haystack<P> {
  readonly length: number;
  indexOf(pattern: P, from: number): number;
}

/** Every span covered by some pattern occurrence (overlaps included), merged and sorted. */
function coverage<P extends { length: number }>(hay: Haystack<P>, patterns: readonly P[], seed: Span | null): Span[] {
  const spans: Span[] = seed ? [seed] : [];
  for (const p of patterns) {
    // Step by one, not by the pattern length: occurrences may overlap ("aaaa" in "aaaaa").
    for (let i = hay.indexOf(p, 0); i !== -1; i = hay.indexOf(p, i + 1)) spans.push([i, i + p.length]);
  }
  if (spans.length <= 1) return spans;
  spans.sort((a, b) => a[0] - b[0]);
  const merged: Span[] = [spans[0]!];
  for (let i = 1; i < spans.length; i++) {
    const s = spans[i]!;
    const last = merged[merged.length - 1]!;
    // Adjacent spans merge too: one mark for "secretsecret" says less than two.
    if (s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else merged.push(s);
  }
  return merged;
}

/**
 * Replaces every occurrence of the given secret values, and of their base64, URL-encoded and
 * JSON-escaped forms, with {@link REDACTION_MARK}. Overlapping occurrences are redacted as their union,
 * so a longer secret that contains a shorter one is masked whole (longest first, in effect) and nothing
 * of either is left showing.
 */
export class Redactor {
  /** How many of the given values were too short to redact (see {@link MIN_SECRET_LENGTH}). */
  readonly ignored: number;
  /** Byte length of the longest pattern: how much a stream has to hold back. */
  readonly maxPatternBytes: number;
  readonly #strings: readonly string[];
  readonly #bytes: readonly Buffer[];

  constructor(secrets: Iterable<string>) {
    const patterns = new Set<string>();
    let ignored = 0;
    for (const s of secrets) {
      if (typeof s !== 'string' || s.length === 0) continue;
      if (s.length < MIN_SECRET_LENGTH) {
        ignored++;
        continue;
      }
      for (const v of variantsOf(s)) patterns.add(v);
    }
    this.ignored = ignored;
    this.#strings = [...patterns].sort((a, b) => b.length - a.length);
    this.#bytes = this.#strings.map((p) => Buffer.from(p, 'utf8')).sort((a, b) => b.length - a.length);
    this.maxPatternBytes = this.#bytes[0]?.length ?? 0;
  }

  /** True when there is nothing to redact (every call is then the identity). */
  get isEmpty(): boolean {
    return this.#strings.length === 0;
  }

  redact(text: string): string {
    if (this.isEmpty || text.length === 0) return text;
    const spans = coverage<string>(text, this.#strings, null);
    if (spans.length === 0) return text;
    let out = '';
    let at = 0;
    for (const [s, e] of spans) {
      out += text.slice(at, s) + REDACTION_MARK;
      at = e;
    }
    return out + text.slice(at);
  }

  redactBytes(data: Uint8Array): Buffer {
    const s = this.stream();
    const head = s.push(data);
    const tail = s.end();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  }

  /** An incremental redactor for one stream of bytes: a secret split across chunks is still caught. */
  stream(): RedactionStream {
    return new RedactionStream(this.#bytes, this.maxPatternBytes);
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
 * Streaming redaction. Holds back the last `maxPatternBytes - 1` bytes (a pattern starting there might
 * continue in the next chunk); every byte before that is final, because any occurrence covering it
 * starts early enough to lie wholly inside what has been seen. A span that is final at its start but
 * runs into the held-back tail is remembered (`#coveredUntil`), so its rest is masked without a second
 * mark and without being searched for again.
 */
export class RedactionStream {
  readonly #patterns: readonly Buffer[];
  readonly #hold: number;
  #carry: Buffer = EMPTY;
  /** The first `#coveredUntil` bytes of the carry belong to a span already marked. */
  #coveredUntil = 0;
  /** The last byte emitted was masked: a span starting right after it joins that mark. */
  #markOpen = false;
  #ended = false;

  constructor(patterns: readonly Buffer[], maxPatternBytes: number) {
    this.#patterns = patterns;
    this.#hold = Math.max(0, maxPatternBytes - 1);
  }

  /** Feeds a chunk; returns the redacted bytes that are now final (possibly none). */
  push(chunk: Uint8Array | string): Buffer {
    if (this.#ended) throw new Error('RedactionStream: push after end');
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#patterns.length === 0) return data;
    const buf = this.#carry.length === 0 ? data : Buffer.concat([this.#carry, data]);
    return this.#emit(buf, buf.length - this.#hold);
  }

  /** Flushes the held-back tail. */
  end(): Buffer {
    if (this.#ended) return EMPTY;
    this.#ended = true;
    const buf = this.#carry;
    this.#carry = EMPTY;
    return buf.length === 0 ? EMPTY : this.#emit(buf, buf.length);
  }

  #emit(buf: Buffer, finalEnd: number): Buffer {
    if (finalEnd <= 0) {
      this.#carry = buf;
      return EMPTY;
    }
    const seed: Span | null = this.#coveredUntil > 0 ? [0, this.#coveredUntil] : null;
    const spans = coverage<Buffer>(buf, this.#patterns, seed);
    const parts: Buffer[] = [];
    let at = 0;
    let coveredUntil = 0;
    let markOpen = false;
    for (const [s, e] of spans) {
      if (s >= finalEnd) break;
      if (s > at) parts.push(buf.subarray(at, s));
      // A span at 0 that continues (or abuts) the mark that ended the previous output gets no second
      // mark, so the stream's output equals a one-shot redaction of the whole.
      if (!(s === 0 && this.#markOpen)) parts.push(MARK_BYTES);
      at = Math.min(e, finalEnd);
      if (e > finalEnd) coveredUntil = e - finalEnd;
      markOpen = e >= finalEnd;
    }
    if (at < finalEnd) {
      parts.push(buf.subarray(at, finalEnd));
      markOpen = false;
    }
    this.#carry = Buffer.from(buf.subarray(finalEnd));
    this.#coveredUntil = coveredUntil;
    this.#markOpen = markOpen;
    return parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts);
  }
}
