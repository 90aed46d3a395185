// Globs with `*` and `?` (runbook ids in policy rules), matched without regular expressions: a glob
// turned into a RegExp with many `.*` backtracks polynomially on a long value.

/** Anchored glob match in O(|glob| × |value|): `*` is any run of characters, `?` any one character. */
export function globMatch(glob: string, value: string): boolean {
  const parts = glob.split('*');
  const first = parts[0] ?? '';
  if (parts.length === 1) return value.length === first.length && segmentAt(first, value, 0);
  const last = parts[parts.length - 1] ?? '';
  if (value.length < first.length + last.length) return false;
  if (!segmentAt(first, value, 0) || !segmentAt(last, value, value.length - last.length)) return false;
  // Middle segments in order, each at its leftmost place: taking the leftmost never loses a match.
  let pos = first.length;
  const end = value.length - last.length;
  for (let k = 1; k < parts.length - 1; k++) {
    const seg = parts[k] ?? '';
    let at = pos;
    while (at + seg.length <= end && !segmentAt(seg, value, at)) at++;
    if (at + seg.length > end) return false;
    pos = at + seg.length;
  }
  return true;
}

/** Does `seg` (literal characters and `?`) match `value` at `at`? */
function segmentAt(seg: string, value: string, at: number): boolean {
  if (at < 0 || at + seg.length > value.length) return false;
  for (let i = 0; i < seg.length; i++) if (seg[i] !== '?' && seg[i] !== value[at + i]) return false;
  return true;
}
