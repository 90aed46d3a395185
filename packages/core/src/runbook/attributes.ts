// The fence info string: `sh {#restart timeout=30s retries=2 capture}`. Parsed from the raw source
// line rather than from the Markdown parser's `meta`, so every attribute keeps its exact column.

export interface AttrToken {
  /** `id` for `#x`, `.x` for a class, otherwise the key as written. */
  readonly key: string;
  /** undefined for a bare flag (`capture`). */
  readonly value?: string;
  /** 0-based offsets within the info string. */
  readonly keyAt: number;
  readonly valueAt: number;
}

export interface InfoString {
  readonly lang: string;
  readonly langAt: number;
  /** Present when the info string carries `{…}`: the fence is a step. */
  readonly attrs?: readonly AttrToken[];
  readonly blockAt?: number;
  readonly error?: { readonly at: number; readonly message: string };
}

const KEY_RE = /[A-Za-z_][A-Za-z0-9_-]*/y;

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** `info` is everything after the fence characters on the opening line. */
export function parseInfoString(info: string): InfoString {
  let i = 0;
  while (isSpace(info[i])) i++;
  const langAt = i;
  while (i < info.length && !isSpace(info[i]) && info[i] !== '{') i++;
  const lang = info.slice(langAt, i);
  while (isSpace(info[i])) i++;
  if (info[i] !== '{') return { lang, langAt };
  const blockAt = i;
  i++;
  const attrs: AttrToken[] = [];
  const fail = (at: number, message: string): InfoString => ({ lang, langAt, attrs, blockAt, error: { at, message } });
  for (;;) {
    while (isSpace(info[i])) i++;
    if (i >= info.length) return fail(blockAt, 'the attribute block is not closed: expected `}` at the end of the info string');
    const c = info[i];
    if (c === '}') {
      i++;
      while (isSpace(info[i])) i++;
      if (i < info.length) return fail(i, `unexpected text after the attribute block: \`${info.slice(i).trim()}\`; the info string is \`KIND {ATTRIBUTES}\``);
      return { lang, langAt, attrs, blockAt };
    }
    const start = i;
    if (c === '#' || c === '.') {
      i++;
      while (i < info.length && !isSpace(info[i]) && info[i] !== '}') i++;
      const word = info.slice(start + 1, i);
      if (word === '') return fail(start, `\`${c}\` must be followed by a name, as in \`#restart\``);
      attrs.push(c === '#' ? { key: 'id', value: word, keyAt: start, valueAt: start + 1 } : { key: `.${word}`, keyAt: start, valueAt: start + 1 });
      continue;
    }
    KEY_RE.lastIndex = i;
    const km = KEY_RE.exec(info);
    if (!km) return fail(i, `unexpected \`${c ?? ''}\` in the attribute block: expected \`#id\`, \`key=value\` or a flag such as \`capture\``);
    const key = km[0];
    i += key.length;
    if (info[i] !== '=') {
      if (i < info.length && !isSpace(info[i]) && info[i] !== '}')
        return fail(i, `unexpected \`${info[i] ?? ''}\` after \`${key}\`: expected \`=\`, a space or \`}\``);
      attrs.push({ key, keyAt: start, valueAt: i });
      continue;
    }
    i++;
    const valueAt = i;
    const q = info[i];
    if (q === '"' || q === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= info.length) return fail(valueAt, `the quoted value of \`${key}\` is not closed: expected \`${q}\``);
        const ch = info[i];
        if (ch === '\\' && q === '"' && i + 1 < info.length) {
          v += info[i + 1];
          i += 2;
          continue;
        }
        if (ch === q) {
          i++;
          break;
        }
        v += ch;
        i++;
      }
      if (i < info.length && !isSpace(info[i]) && info[i] !== '}') return fail(i, `expected a space or \`}\` after the quoted value of \`${key}\``);
      attrs.push({ key, value: v, keyAt: start, valueAt });
      continue;
    }
    while (i < info.length && !isSpace(info[i]) && info[i] !== '}') i++;
    attrs.push({ key, value: info.slice(valueAt, i), keyAt: start, valueAt });
  }
}
