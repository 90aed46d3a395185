// Views of a byte stream in which a secret's escaped, encoded, spaced or line-split forms become plain
// again, so each form is one fixed pattern. Every view byte remembers the raw span it came from (an
// escape like `\x00` is one unit of four raw bytes), so a match maps back to raw bytes.
//
// Views are incremental transducers: fed chunk after chunk, they produce exactly what they would on the
// whole stream (an escape cut by a chunk boundary waits in `pending` until it is complete). That keeps
// the stream's result equal to a one-shot redaction, and linear in the output size.

/** Never part of a pattern (0xFF does not occur in UTF-8): separates what must not join. */
export const BARRIER = 0xff;

/** Longest run of whitespace (or hex separators) a spaced or line-split form may have between characters. */
export const MAX_GAP = 16;

/** A view's produced bytes with their raw spans; only the tail a match may still extend is kept. */
export class ViewBuffer {
  bytes = new Uint8Array(0);
  start = new Float64Array(0);
  end = new Float64Array(0);
  length = 0;

  push(b: number, start: number, end: number): void {
    if (this.length === this.bytes.length) this.reserve(1);
    this.bytes[this.length] = b;
    this.start[this.length] = start;
    this.end[this.length] = end;
    this.length++;
  }

  /** Appends units [from, to) of another buffer unchanged. */
  copy(src: ViewBuffer, from: number, to: number): void {
    if (to <= from) return;
    this.reserve(to - from);
    const at = this.length;
    if (to - from < 64) {
      // Short runs (words between spaces): a loop beats three subarray views.
      const { bytes, start, end } = this;
      for (let i = from, j = at; i < to; i++, j++) {
        bytes[j] = src.bytes[i]!;
        start[j] = src.start[i]!;
        end[j] = src.end[i]!;
      }
    } else {
      this.bytes.set(src.bytes.subarray(from, to), at);
      this.start.set(src.start.subarray(from, to), at);
      this.end.set(src.end.subarray(from, to), at);
    }
    this.length += to - from;
  }

  /** Keeps the last `n` bytes. */
  keepLast(n: number): void {
    const from = Math.max(0, this.length - n);
    if (from === 0) return;
    this.bytes.copyWithin(0, from, this.length);
    this.start.copyWithin(0, from, this.length);
    this.end.copyWithin(0, from, this.length);
    this.length -= from;
  }

  /** Room for `n` more bytes. */
  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = Math.max(64, this.bytes.length * 2);
    while (size < this.length + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.bytes.subarray(0, this.length));
    const s = new Float64Array(size);
    s.set(this.start.subarray(0, this.length));
    const e = new Float64Array(size);
    e.set(this.end.subarray(0, this.length));
    this.bytes = b;
    this.start = s;
    this.end = e;
  }
}

/**
 * One stage: turns its parent's new units (a byte and the raw span it stands for) into view bytes. A
 * round runs every stage once over what its parent produced in that round, in a tight loop.
 */
export abstract class Stage {
  readonly out = new ViewBuffer();
  readonly children: Stage[] = [];
  parent: Stage | null = null;
  /** out.length when this round began: children consume from here. */
  roundStart = 0;

  /** Consumes units [from, to) of `input`; with `final`, also whatever is pending. */
  protected abstract run(input: ViewBuffer, from: number, to: number, final: boolean): void;
  /** Raw offset of this stage's own pending (not yet emitted) input, or Infinity. */
  protected abstract pendingStart(): number;
  /** Forgets the stream (the buffers' memory is kept for the next one). */
  protected abstract clear(): void;

  reset(): void {
    this.out.length = 0;
    this.roundStart = 0;
    this.clear();
    for (const c of this.children) c.reset();
  }

  /** Raw offset from which this view's future bytes may still come (its own or an upstream's pending input). */
  nextRaw(): number {
    const mine = this.pendingStart();
    return this.parent ? Math.min(mine, this.parent.nextRaw()) : mine;
  }

  pipe<T extends Stage>(child: T): T {
    child.parent = this;
    this.children.push(child);
    return child;
  }

  /** Runs the children over what this stage produced this round, depth first. */
  protected runChildren(final: boolean): void {
    for (const c of this.children) {
      c.roundStart = c.out.length;
      // No stage makes more bytes than it takes units (an escape shrinks, a gap vanishes): reserve once.
      c.out.reserve(this.out.length - this.roundStart + 16);
      c.run(this.out, this.roundStart, this.out.length, final);
      c.runChildren(final);
    }
  }
}

/** The raw bytes themselves; the root of the views. */
export class RawStage extends Stage {
  #fed = 0;

  /** Feeds raw bytes and runs every view over them. */
  feed(chunk: Uint8Array, final: boolean): void {
    this.roundStart = this.out.length;
    const out = this.out;
    out.reserve(chunk.length);
    out.bytes.set(chunk, out.length);
    const base = this.#fed - out.length;
    for (let i = out.length, n = out.length + chunk.length; i < n; i++) {
      out.start[i] = base + i;
      out.end[i] = base + i + 1;
    }
    out.length += chunk.length;
    this.#fed += chunk.length;
    this.runChildren(final);
  }

  protected run(): void {}
  protected pendingStart(): number {
    return Infinity;
  }
  protected clear(): void {
    this.#fed = 0;
  }
}

const isHex = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
const hexVal = (b: number): number => (b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x57);
const isOct = (b: number): boolean => b >= 0x30 && b <= 0x37;
const isAlnum = (b: number): boolean => (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a);
export const isSpace = (b: number): boolean => b === 0x20 || (b >= 0x09 && b <= 0x0d);

const NAMED: Readonly<Record<number, number>> = { 0x6e: 10, 0x74: 9, 0x72: 13, 0x62: 8, 0x66: 12, 0x76: 11, 0x61: 7, 0x65: 27 };

type Parsed = 'more' | 'invalid' | { readonly len: number; readonly cp: number; readonly byte?: true };

function hexRun(p: readonly number[], from: number, n: number): number | 'more' | 'invalid' {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const b = p[from + i];
    if (b === undefined) return 'more';
    if (!isHex(b)) return 'invalid';
    v = v * 16 + hexVal(b);
  }
  return v;
}

/** `\uXXXX`, a surrogate pair of two, or `\u{X…}`. */
function parseU(p: readonly number[], final: boolean): Parsed {
  if (p[2] === 0x7b) {
    let v = 0;
    for (let i = 3; i < 10; i++) {
      const b = p[i];
      if (b === undefined) return final ? 'invalid' : 'more';
      if (b === 0x7d) return i > 3 && v <= 0x10ffff ? { len: i + 1, cp: v } : 'invalid';
      if (!isHex(b)) return 'invalid';
      v = v * 16 + hexVal(b);
    }
    return 'invalid';
  }
  const hi = hexRun(p, 2, 4);
  if (hi === 'more') return final ? 'invalid' : 'more';
  if (hi === 'invalid') return 'invalid';
  if (hi < 0xd800 || hi > 0xdfff) return { len: 6, cp: hi };
  if (hi >= 0xdc00) return { len: 6, cp: 0xfffd };
  // A high surrogate: a pair when a low one follows, else a lone one (U+FFFD, as UTF-8 encoding makes it).
  if (p.length < 12 && !final) {
    const seen = p.slice(6);
    const want = [0x5c, 0x75];
    if (seen.every((b, i) => (i < 2 ? b === want[i] : isHex(b)))) return 'more';
  }
  if (p[6] === 0x5c && p[7] === 0x75) {
    const lo = hexRun(p, 8, 4);
    if (typeof lo === 'number' && lo >= 0xdc00 && lo <= 0xdfff) return { len: 12, cp: 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00) };
  }
  return { len: 6, cp: 0xfffd };
}

/** One escape starting at p[0] (`\` or `%`): its length and what it stands for. */
function parseEscape(p: readonly number[], final: boolean): Parsed {
  const b = p[1];
  if (b === undefined) return final ? 'invalid' : 'more';
  if (p[0] === 0x25) {
    // %HH: one byte of a URL-encoded UTF-8 sequence.
    const v = hexRun(p, 1, 2);
    if (v === 'more') return final ? 'invalid' : 'more';
    return v === 'invalid' ? 'invalid' : { len: 3, cp: v, byte: true };
  }
  if (b === 0x0a || b === 0x0d) return { len: 2, cp: -1 }; // a line continuation stands for nothing
  if (isOct(b)) {
    // \0, \00, \000, \101 (C, shell $'…', Python): up to three octal digits, at most 0o377.
    let v = 0;
    let i = 1;
    for (; i < 4; i++) {
      const d = p[i];
      if (d === undefined) {
        if (!final) return 'more';
        break;
      }
      if (!isOct(d) || v * 8 + (d - 0x30) > 0o377) break;
      v = v * 8 + (d - 0x30);
    }
    return { len: i, cp: v };
  }
  if (b === 0x78) {
    const v = hexRun(p, 2, 2);
    if (v === 'more') return final ? 'invalid' : 'more';
    return v === 'invalid' ? 'invalid' : { len: 4, cp: v };
  }
  if (b === 0x75) return parseU(p, final);
  if (b === 0x55) {
    const v = hexRun(p, 2, 8);
    if (v === 'more') return final ? 'invalid' : 'more';
    return v === 'invalid' || v > 0x10ffff ? 'invalid' : { len: 10, cp: v };
  }
  const named = NAMED[b];
  if (named !== undefined) return { len: 2, cp: named };
  // `\\`, `\'`, `\"`, `\/` and any escaped punctuation (shell `printf %q`, regex escaping).
  if (b >= 0x20 && b < 0x7f && !isAlnum(b)) return { len: 2, cp: b };
  return 'invalid';
}

function utf8(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}

/**
 * Decodes one layer of string escapes: backslash escapes of JSON, JavaScript and Node's util.inspect,
 * Python, C and shell (`\x00`, `\u0000`, `\u{0}`, `\U00000000`, `\0`, `\000`, `\n`, `\\`, `\"`, `\/`,
 * line continuations) and URL percent-encoding (`%2F`, either case). Anything else passes through.
 */
export class UnescapeStage extends Stage {
  #pending: number[] = [];
  #pStart: number[] = [];
  #pEnd: number[] = [];
  /** Which escapes this stage undoes: `\\` escapes, `%HH`, or both (the default). */
  readonly #backslash: number;
  readonly #percent: number;

  constructor(kinds: { backslash?: boolean; percent?: boolean } = {}) {
    super();
    this.#backslash = kinds.backslash === false ? -1 : 0x5c;
    this.#percent = kinds.percent === false ? -1 : 0x25;
  }

  protected run(input: ViewBuffer, from: number, to: number, final: boolean): void {
    const bytes = input.bytes;
    const bs = this.#backslash;
    const pc = this.#percent;
    let i = from;
    while (i < to) {
      if (this.#pending.length === 0) {
        // Plain bytes up to the next `\` or `%` are copied in one go.
        let j = i;
        while (j < to && bytes[j] !== bs && bytes[j] !== pc) j++;
        this.out.copy(input, i, j);
        if (j === to) break;
        i = j;
      }
      this.#pending.push(bytes[i]!);
      this.#pStart.push(input.start[i]!);
      this.#pEnd.push(input.end[i]!);
      i++;
      this.#drain(false);
    }
    if (final) this.#drain(true);
  }

  protected pendingStart(): number {
    return this.#pStart[0] ?? Infinity;
  }

  protected clear(): void {
    this.#pending = [];
    this.#pStart = [];
    this.#pEnd = [];
  }

  #drain(final: boolean): void {
    while (this.#pending.length > 0) {
      const first = this.#pending[0]!;
      if (first !== this.#backslash && first !== this.#percent) {
        this.#take(1, [first]);
        continue;
      }
      const r = parseEscape(this.#pending, final);
      if (r === 'more') return;
      if (r === 'invalid') this.#take(1, [first]);
      else this.#take(r.len, r.cp < 0 ? [] : r.byte ? [r.cp] : utf8(r.cp));
    }
  }

  /** Consumes `n` pending units, emitting `bytes` over their raw span. */
  #take(n: number, bytes: readonly number[]): void {
    const s = this.#pStart[0]!;
    const e = this.#pEnd[n - 1]!;
    this.#pending.splice(0, n);
    this.#pStart.splice(0, n);
    this.#pEnd.splice(0, n);
    for (const b of bytes) this.out.push(b, s, e);
  }
}

/**
 * Drops whitespace, so a secret spaced out or broken across lines (`fold`, a wrapped base64 block)
 * reads whole again. A gap longer than {@link MAX_GAP} becomes a barrier: text far apart does not join.
 */
export class SqueezeStage extends Stage {
  #gap = 0;
  #gapStart = 0;

  protected run(input: ViewBuffer, from: number, to: number): void {
    const bytes = input.bytes;
    let run = from;
    for (let i = from; i < to; i++) {
      const b = bytes[i]!;
      if (!isSpace(b)) {
        this.#gap = 0;
        continue;
      }
      this.out.copy(input, run, i);
      run = i + 1;
      if (this.#gap === 0) this.#gapStart = input.start[i]!;
      if (++this.#gap === MAX_GAP + 1) this.out.push(BARRIER, this.#gapStart, input.end[i]!);
    }
    this.out.copy(input, run, to);
  }

  protected pendingStart(): number {
    return Infinity;
  }

  protected clear(): void {
    this.#gap = 0;
  }
}

/** Per byte: 1 a hex digit, 2 a separator (whitespace `: - , ; . _ \\ %`), 0 anything else. */
const HEX_CLASS = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX_CLASS[c.charCodeAt(0)] = 1;
for (const c of ' \t\n\v\f\r:-,;._\\%') HEX_CLASS[c.charCodeAt(0)] = 2;

/**
 * Hex digits in lower case, with separators (whitespace `: - , ; . _ \ %`) and `0x`/`\x` prefixes dropped:
 * `546F70…`, `54 6f 70`, `54:6f:70`, `0x54, 0x6f`, `\x54\x6f`, `xxd -p` lines all read `546f70…`. Any
 * other byte is a barrier.
 */
export class HexStage extends Stage {
  #gap = 0;
  #gapStart = 0;
  /** A `0` or `\\` that may start a prefix, held until the next byte says. */
  #held = -1;
  #heldStart = 0;
  #heldEnd = 0;
  #barrier = false;

  protected run(input: ViewBuffer, from: number, to: number, final: boolean): void {
    const bytes = input.bytes;
    for (let i = from; i < to; i++) {
      const b = bytes[i]!;
      const start = input.start[i]!;
      const end = input.end[i]!;
      if (this.#held >= 0) {
        const held = this.#held;
        this.#held = -1;
        if (b === 0x78 || b === 0x58) {
          this.#separator(this.#heldStart, end);
          continue;
        }
        this.#byte(held, this.#heldStart, this.#heldEnd);
      }
      if (b === 0x30 || b === 0x5c) {
        this.#held = b;
        this.#heldStart = start;
        this.#heldEnd = end;
        continue;
      }
      this.#byte(b, start, end);
    }
    if (final && this.#held >= 0) {
      const held = this.#held;
      this.#held = -1;
      this.#byte(held, this.#heldStart, this.#heldEnd);
    }
  }

  #byte(b: number, start: number, end: number): void {
    const c = HEX_CLASS[b];
    if (c === 1) {
      this.#gap = 0;
      this.#barrier = false;
      this.out.push(b | 0x20, start, end);
    } else if (c === 2) this.#separator(start, end);
    else if (!this.#barrier) {
      this.#barrier = true;
      this.out.push(BARRIER, start, end);
    }
  }

  #separator(start: number, end: number): void {
    if (this.#gap === 0) this.#gapStart = start;
    if (++this.#gap === MAX_GAP + 1 && !this.#barrier) {
      this.#barrier = true;
      this.out.push(BARRIER, this.#gapStart, end);
    }
  }

  protected pendingStart(): number {
    return this.#held >= 0 ? this.#heldStart : Infinity;
  }

  protected clear(): void {
    this.#gap = 0;
    this.#held = -1;
    this.#barrier = false;
  }
}

/** One layer of unescaping applied to a whole byte string (what the views make of a value itself). */
export function unescapeOnce(bytes: Uint8Array, kinds: { backslash?: boolean; percent?: boolean } = {}): Buffer {
  const root = new RawStage();
  const u = root.pipe(new UnescapeStage(kinds));
  root.feed(bytes, true);
  return Buffer.from(u.out.bytes.subarray(0, u.out.length));
}
