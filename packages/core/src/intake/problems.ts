// Located problems in a request body: a JSON pointer into the body and what is wrong there.
export interface BodyProblem {
  /** JSON pointer into the body, e.g. `/alerts/0/labels`. */
  readonly path: string;
  readonly message: string;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly BodyProblem[] };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A map of string to string (labels, annotations); `null` reads as empty where a sender may send it. */
export function stringMap(v: unknown, path: string, problems: BodyProblem[], nullable = false): Record<string, string> {
  if (v === null && nullable) return {};
  if (!isRecord(v)) {
    problems.push({ path, message: 'expected an object of strings' });
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') problems.push({ path: `${path}/${escapePointer(k)}`, message: 'expected a string' });
    else out[k] = x;
  }
  return out;
}

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** RFC 3339 with 0–9 fraction digits (Alertmanager writes nanoseconds), as a millisecond ISO string. */
export function rfc3339(v: unknown, path: string, problems: BodyProblem[]): string | undefined {
  if (
    typeof v !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/.test(v) ||
    Number.isNaN(Date.parse(v.replace(/(\.\d{3})\d+/, '$1')))
  ) {
    problems.push({ path, message: 'expected an RFC 3339 time' });
    return undefined;
  }
  return new Date(Date.parse(v.replace(/(\.\d{3})\d+/, '$1'))).toISOString();
}
