// The forms of a secret the redactor promises to catch, each built here independently of the
// redactor (by Node's own encoders), and an oracle that lists which of them a text still holds.
import { inspect } from 'node:util';

export const MIN_FUZZY = 8;

export const hexOf = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
const pairs = (h: string): string[] => h.match(/../g)!;
/** `fold -w`: a line break after every `w` characters (code points: a surrogate pair is one character). */
export const fold = (s: string, w: number): string => {
  const cs = [...s];
  const lines: string[] = [];
  for (let i = 0; i < cs.length; i += w) lines.push(cs.slice(i, i + w).join(''));
  return lines.join('\n');
};
export const reversed = (s: string): string => [...s].reverse().join('');

/** Every form of `s` the redactor promises to catch, each built here independently of the redactor. */
export function formsOf(s: string): Record<string, string> {
  const b = Buffer.from(s, 'utf8');
  const h = hexOf(s);
  const out: Record<string, string> = {
    plain: s,
    reversed: reversed(s),
    'util.inspect': inspect(s),
    'util.inspect in JSON': JSON.stringify(inspect(s)),
    JSON: JSON.stringify(s),
    'JSON in JSON': JSON.stringify(JSON.stringify(s)),
    'JSON, non-ASCII as \\u': JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    'JSON, upper-case \\u': JSON.stringify(s).replace(/\\u00([0-9a-f]{2})/g, (_m, x: string) => `\\u00${x.toUpperCase()}`),
    '\\x escapes of every byte': [...b].map((x) => `\\x${x.toString(16).padStart(2, '0')}`).join(''),
    '\\u{…} escapes': [...s].map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join(''),
    'octal escapes (printf %q)': `$'${[...b].map((x) => `\\${x.toString(8).padStart(3, '0')}`).join('')}'`,
    hex: h,
    'upper-case hex': h.toUpperCase(),
    'hex with colons': pairs(h).join(':'),
    'hex with spaces': pairs(h).join(' '),
    'upper-case hex with dashes': pairs(h.toUpperCase()).join('-'),
    '0x list': pairs(h)
      .map((x) => `0x${x}`)
      .join(', '),
    'xxd -p, wrapped': fold(h, 8),
    base64: b.toString('base64'),
    'base64 unpadded': b.toString('base64').replace(/=+$/, ''),
    base64url: b.toString('base64url'),
    'base64, wrapped at 4': fold(b.toString('base64'), 4),
    'URL encoding': encodeURIComponent(s),
    'URL encoding of every byte, lower case': [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join(''),
    'form encoding': new URLSearchParams({ v: s }).toString().slice(2),
  };
  // Spaced and line-split forms are promised from MIN_FUZZY characters (whitespace not counted).
  if (s.replace(/\s+/g, '').length >= MIN_FUZZY) {
    out['spaced'] = [...s].join(' ');
    out['spaced with tabs and double spaces'] = [...s].join('\t  ');
    out['reversed, spaced'] = [...reversed(s)].join(' ');
    out['JSON of the spaced form'] = JSON.stringify([...s].join('\n'));
    for (let w = 1; w < [...s].length; w++) out[`fold -w ${w}`] = fold(s, w);
  }
  for (const user of ['u', 'us', 'usr']) out[`Basic auth after ${user}:`] = Buffer.from(`${user}:${s}`).toString('base64');
  return out;
}

/** What must not survive redaction: the exact forms, and every printable part of 8+ characters. */
export function leaks(text: string, s: string): string[] {
  const found: string[] = [];
  for (const [name, f] of Object.entries(formsOf(s))) if (f.length >= 4 && text.includes(f)) found.push(name);
  // eslint-disable-next-line no-control-regex
  for (const part of s.split(/[\u0000-\u001f]/)) if (part.length >= MIN_FUZZY && text.includes(part)) found.push(`part ${part}`);
  const stripped = s.replace(/\s+/g, '');
  if (stripped.length >= MIN_FUZZY && text.replace(/\s+/g, '').includes(stripped)) found.push('whitespace-stripped');
  return found;
}
