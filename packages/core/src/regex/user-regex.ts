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
  /** The leftmost match: its UTF-16 offset in `text` and its text. */
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
        if (m) return { kind: 'unsupported', offset: i, message: `${u.what} (\`${m[0]}\` at offset ${i}) is not supported: patterns run on RE2, which matches in linear time and has no backreferences or lookaround` };
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

function compileNow(pattern: string): CompiledUserRegex {
  const unsupported = findUnsupported(pattern);
  if (unsupported) return { ok: false, problem: unsupported };
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
  const regex: UserRegex = {
    pattern,
    test: (text) => re.test(text),
    testWhole: (text) => re.testExact(text),
    find: (text) => {
      const m = re.exec(text) as (string[] & { index: number }) | null;
      return m ? { index: m.index, text: m[0] ?? '' } : undefined;
    },
  };
  return { ok: true, regex };
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
