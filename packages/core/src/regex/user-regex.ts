// Regular expressions written by users (runbooks, policy files, inputs, API requests) run on RE2
// (re2js): matching time is linear in the subject, so no pattern can stall the event loop the way a
// backtracking `^(a+)+$` does in V8. Patterns the project writes itself stay on RegExp.
// The syntax is RE2's: JavaScript's backreferences and lookaround do not exist there; they are
// refused by name, with their offset in the pattern, so every caller can point at them.
import { RE2JS } from 're2js';

export interface UserRegex {
  readonly pattern: string;
  /** Unanchored: does the pattern occur anywhere in `text`? */
  test(text: string): boolean;
  /** The pattern matches all of `text` (as `^(?:pattern)$`). */
  testWhole(text: string): boolean;
  /**
   * The leftmost match: its UTF-16 offset in `text` and its text. In a text over 4 KB it is the
   * leftmost match of the first matching line (offset 0 and no text when no short line matches alone).
   */
  find(text: string): { readonly index: number; readonly text: string } | undefined;
}

export interface RegexProblem {
  /** `unsupported`: valid JavaScript that RE2 refuses by design (backreference, lookaround). */
  readonly kind: 'unsupported' | 'invalid';
  readonly message: string;
  /** UTF-16 offset of the offending construct in the pattern (0 when unknown). */
  readonly offset: number;
}

export type CompiledUserRegex = { readonly ok: true; readonly regex: UserRegex } | { readonly ok: false; readonly problem: RegexProblem };

/** Constructs RE2 leaves out because they need backtracking (sticky: tried at one offset). */
const UNSUPPORTED: readonly { readonly re: RegExp; readonly what: string }[] = [
  { re: /\\[1-9]\d*/y, what: 'a backreference' },
  { re: /\\k<[^>]*>?/y, what: 'a named backreference' },
  { re: /\(\?<?[=!]/y, what: 'a lookaround assertion' },
];

/** The first backreference or lookaround outside a character class, if any. */
function findUnsupported(pattern: string): RegexProblem | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (!inClass && (c === '\\' || c === '(')) {
      for (const u of UNSUPPORTED) {
        u.re.lastIndex = i;
        const m = u.re.exec(pattern);
        if (m)
          return {
            kind: 'unsupported',
            offset: i,
            message: `${u.what} (\`${m[0]}\` at offset ${i}) is not supported: patterns run on RE2, which matches in linear time and has no backreferences or lookaround`,
          };
      }
    }
    if (c === '\\') i++;
    else if (c === '[' && !inClass) {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++; // a leading `]` is a literal
    } else if (c === ']' && inClass) inClass = false;
  }
  return undefined;
}

// Linear time still scales with the compiled program: a match costs up to (program size × text
// length). These caps keep one pattern's program small (and its compilation quick) while leaving room
// for any pattern a runbook or policy needs.
export const MAX_PATTERN_LENGTH = 1000;
export const MAX_PROGRAM_SIZE = 2000;

/**
 * A rough upper bound of the program size, from the text alone (before compiling, which itself costs
 * time in the program's size): counted repetitions multiply what they repeat, `(a{100}){100}` is 10,000.
 */
function estimatedSize(pattern: string): number {
  const open: number[] = [0];
  let last = 0;
  const add = (w: number): void => {
    open[open.length - 1] = (open[open.length - 1] ?? 0) + w;
    last = w;
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const brace = /^[xpP]\{[^}]*\}/.exec(pattern.slice(i + 1, i + 40));
      i += brace ? brace[0].length : 1;
      add(1);
    } else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      i = j;
      add(1);
    } else if (c === '(') open.push(0);
    else if (c === ')' && open.length > 1) add(open.pop() ?? 0);
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 24));
      if (!m) add(1);
      else {
        const times = Math.max(Number(m[1]), m[3] ? Number(m[3]) : m[2] ? Number(m[1]) + 1 : 0, 1);
        open[open.length - 1] = (open[open.length - 1] ?? 0) + last * (times - 1);
        last *= times;
        i += m[0].length - 1;
      }
    } else add(1);
  }
  return open.reduce((a, b) => a + b, 0);
}

function tooLarge(message: string): CompiledUserRegex {
  return { ok: false, problem: { kind: 'invalid', offset: 0, message } };
}

function compileNow(pattern: string): CompiledUserRegex {
  if (pattern.length > MAX_PATTERN_LENGTH) return tooLarge(`the pattern is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH} are allowed`);
  const unsupported = findUnsupported(pattern);
  if (unsupported) return { ok: false, problem: unsupported };
  const estimate = estimatedSize(pattern);
  if (estimate > MAX_PROGRAM_SIZE)
    return tooLarge(`the pattern is too large: its repetitions expand to about ${estimate} steps, at most ${MAX_PROGRAM_SIZE} are allowed`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    const err = e as { error?: unknown; input?: unknown; message?: unknown };
    const what = typeof err.error === 'string' ? err.error : String(err.message ?? e);
    const input = typeof err.input === 'string' ? err.input : '';
    const at = input === '' ? -1 : pattern.indexOf(input);
    return { ok: false, problem: { kind: 'invalid', offset: Math.max(0, at), message: input === '' ? what : `${what}: \`${input}\`` } };
  }
  if (re.programSize() > MAX_PROGRAM_SIZE)
    return tooLarge(`the pattern is too large: it compiles to ${re.programSize()} steps, at most ${MAX_PROGRAM_SIZE} are allowed`);
  const regex: UserRegex = {
    pattern,
    test: (text) => re.test(text),
    testWhole: (text) => re.testExact(text),
    find: (text) => {
      // The DFA answers "is there a match" fastest; locating it needs the NFA, several times slower
      // per character and per program step: run it on a short text only (see locateLong).
      if (!re.test(text)) return undefined;
      return text.length <= EXEC_MAX ? execAt(re, text, 0) : locateLong(re, text);
    },
  };
  return { ok: true, regex };
}

/** Longest text the NFA runs on to locate a match (a few ms at the largest program). */
const EXEC_MAX = 4096;

function execAt(re: RE2JS, text: string, offset: number): { index: number; text: string } | undefined {
  const m = re.exec(text) as (string[] & { index: number }) | null;
  return m ? { index: offset + m.index, text: m[0] ?? '' } : undefined;
}

/**
 * A long text that matches (the DFA said so): the match is located in the first line that matches
 * on its own, when that line is short; otherwise it is reported at offset 0 with no text. A line
 * tested alone can differ at its edges (`^`, `$`, `\b`), so the place is a best effort; the verdict
 * is the whole text's.
 */
function locateLong(re: RE2JS, text: string): { index: number; text: string } {
  let start = 0;
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    if (end - start <= EXEC_MAX) {
      const line = text.slice(start, end);
      if (re.test(line)) {
        const m = execAt(re, line, start);
        if (m) return m;
      }
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  return { index: 0, text: '' };
}

// Compiling costs far more than matching, and the same few patterns are used for every command and
// every input value: keep the most recent ones. Bounded, because patterns also come from requests.
const CACHE_MAX = 512;
const cache = new Map<string, CompiledUserRegex>();

/** Compiles (or takes from the cache) a user-supplied pattern. Never throws. */
export function compileUserRegex(pattern: string): CompiledUserRegex {
  const hit = cache.get(pattern);
  if (hit) {
    cache.delete(pattern);
    cache.set(pattern, hit);
    return hit;
  }
  const r = compileNow(pattern);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, r);
  return r;
}
