// Which fixed patterns stand for a secret in each view. Encodings that a view cannot undo (base64,
// reversal) are enumerated here; the views undo the rest (escapes, URL encoding, whitespace, hex case).

/** Values shorter than this are not redacted (see the README's redaction section). */
export const MIN_SECRET_LENGTH = 4;

/**
 * Spaced and line-split forms, and the printable parts of a secret that holds control characters,
 * are matched only from this length on: ignoring whitespace (or taking a fragment alone) makes a
 * short value occur by chance in ordinary text.
 */
export const MIN_FUZZY_LENGTH = 8;

/** C0 controls other than tab and line breaks, DEL and C1 controls: refused in secrets (see secretProblem). */
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]+/;

export interface Forms {
  /** Raw bytes, exactly. */
  readonly raw: string[];
  /** After one and after two layers of string escapes and URL encoding are undone. */
  readonly unescaped: string[];
  /** The same, whitespace ignored (spaced and line-split forms). */
  readonly squeezed: string[];
  /** Hex digits, lower case. */
  readonly hex: string[];
}

const reverse = (s: string): string => [...s].reverse().join('');

/** Base64, standalone (padded and not) and embedded at each of the three alignments; std and url-safe. */
function base64Forms(secret: string): string[] {
  const out = new Set<string>();
  const bytes = Buffer.from(secret, 'utf8');
  const b64 = bytes.toString('base64');
  out.add(b64).add(b64.replace(/=+$/, ''));
  // Inside `user:password` of a Basic auth header the secret starts at an arbitrary offset mod 3, so
  // for each alignment keep only the characters whose 6 bits all come from the secret.
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    out.add(enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6)));
  }
  for (const v of [...out]) out.add(v.replace(/\+/g, '-').replace(/\//g, '_'));
  return [...out];
}

/** Values up to this long are also matched cut off by a truncation (a prefix, then `…` or `...`). */
export const MAX_TRUNCATED_LENGTH = 128;

/**
 * A value cut off where a display truncates a long line: each prefix of MIN_SECRET_LENGTH characters or
 * more, followed by the ellipsis that marks the cut. A prefix alone is not matched: it is too often
 * the start of something else.
 */
function truncatedForms(value: string): string[] {
  const chars = [...value];
  if (chars.length > MAX_TRUNCATED_LENGTH) return [];
  const out: string[] = [];
  for (let n = MIN_SECRET_LENGTH; n < chars.length; n++) {
    const p = chars.slice(0, n).join('');
    out.push(`${p}…`, `${p}...`);
  }
  return out;
}

/** The pieces of a value between control characters (a PEM key's lines), long enough to stand alone. */
export function partsOf(secret: string): string[] {
  if (!ANY_CONTROL.test(secret)) return [];
  return secret.split(ANY_CONTROL).filter((p) => p.length >= MIN_FUZZY_LENGTH);
}

/** Every pattern for one value, by view. Patterns shorter than MIN_SECRET_LENGTH bytes are left out. */
export function formsOf(value: string): Forms {
  const plain = [value, reverse(value)];
  const b64 = base64Forms(value);
  const unescaped = [...plain, ...b64];
  // Python's bytes repr shows UTF-8 bytes as \xHH, which decode to one code point per byte.
  if (Buffer.byteLength(value, 'utf8') !== value.length) unescaped.push(Buffer.from(value, 'utf8').toString('latin1'));
  // Form encoding writes a space as `+`.
  if (value.includes(' ')) unescaped.push(value.replace(/ /g, '+'));
  const squeezed = unescaped.map((v) => v.replace(/[ \t\n\v\f\r]/g, '')).filter((v) => v.length >= MIN_FUZZY_LENGTH);
  const long = (vs: string[]): string[] => [...new Set(vs)].filter((v) => Buffer.byteLength(v) >= MIN_SECRET_LENGTH);
  const cut = truncatedForms(value);
  return {
    raw: long([...plain, ...b64, ...cut]),
    unescaped: long([...unescaped, ...cut]),
    squeezed: long(squeezed),
    hex: long([Buffer.from(value, 'utf8').toString('hex')]),
  };
}
