// Label matchers in Alertmanager's syntax: `name="value"`, `name!="value"`, `name=~"regex"`,
// `name!~"regex"` (values quoted or bare; a list may be braced and comma-separated). Regexes are
// anchored, as in Alertmanager, and run on RE2 (linear time): matchers come from configuration and
// from silences people create through the API.
import { compileUserRegex } from '../regex/index.js';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
  /** Whole-value test (regex ops only). */
  readonly regex?: { testWhole(text: string): boolean };
}

export class MatcherError extends Error {
  override readonly name = 'MatcherError';
  constructor(
    message: string,
    /** Offset in the matcher text. */
    readonly offset: number,
  ) {
    super(message);
  }
}

const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
const OP_RE = /=~|!~|!=|=/y;
const BARE_RE = /[^\s,{}"'=!~]+/y;

function readQuoted(text: string, at: number): { value: string; end: number } {
  let out = '';
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value: out, end: i + 1 };
    if (c === '\\') {
      const n = text[++i];
      if (n === undefined) break;
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
    } else out += c;
  }
  throw new MatcherError('unterminated quoted value', at);
}

function compile(name: string, op: MatchOp, value: string, at: number): Matcher {
  if (op === '=' || op === '!=') return { name, op, value };
  const r = compileUserRegex(value);
  if (!r.ok) throw new MatcherError(`${name}${op}"${value}": not a valid RE2 regular expression (${r.problem.message})`, at);
  return { name, op, value, regex: r.regex };
}

/** One matcher, or a `{a="b", c=~"d"}` list, or several separated by commas. */
export function parseMatchers(text: string): Matcher[] {
  const out: Matcher[] = [];
  let i = 0;
  const skip = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  skip();
  const braced = text[i] === '{';
  if (braced) i++;
  for (;;) {
    skip();
    if (braced && text[i] === '}') {
      i++;
      break;
    }
    if (i >= text.length) {
      if (braced) throw new MatcherError('missing closing }', i);
      break;
    }
    const start = i;
    NAME_RE.lastIndex = i;
    const nm = NAME_RE.exec(text);
    if (!nm) throw new MatcherError(`expected a label name at offset ${i}`, i);
    i += nm[0].length;
    skip();
    OP_RE.lastIndex = i;
    const op = OP_RE.exec(text);
    if (!op) throw new MatcherError(`expected =, !=, =~ or !~ after ${nm[0]}`, i);
    i += op[0].length;
    skip();
    let value: string;
    if (text[i] === '"') {
      const q = readQuoted(text, i);
      value = q.value;
      i = q.end;
    } else {
      BARE_RE.lastIndex = i;
      const b = BARE_RE.exec(text);
      value = b ? b[0] : '';
      i += value.length;
    }
    out.push(compile(nm[0], op[0] as MatchOp, value, start));
    skip();
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (braced && text[i] === '}') continue;
    if (i < text.length) throw new MatcherError(`unexpected ${JSON.stringify(text[i])} at offset ${i}`, i);
  }
  skip();
  if (i < text.length) throw new MatcherError(`unexpected text after the matchers at offset ${i}`, i);
  return out;
}

/** A missing label reads as empty, as in Alertmanager (`env=""` matches alerts without env). */
export function matches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return m.regex!.testWhole(v);
    case '!~':
      return !m.regex!.testWhole(v);
  }
}

export function matchesAll(ms: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return ms.every((m) => matches(m, labels));
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}
