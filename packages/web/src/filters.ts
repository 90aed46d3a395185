// Filters live in the address bar (?runbook=…&from=2026-12-01), so a filtered view can be shared
// and back/forward step through filter changes. Dates are local calendar days: `from` is the start
// of its day, `to` includes its whole day; the API gets ISO instants.

/** The address with `changes` applied to its query (empty or undefined values removed). */
export function withQuery(path: string, current: URLSearchParams, changes: Record<string, string | undefined>): string {
  const q = new URLSearchParams(current);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` parameter that names a real day, else undefined (a hand-edited address). */
export function dayParam(q: URLSearchParams, k: string): string | undefined {
  const v = q.get(k) ?? '';
  const m = DAY.exec(v);
  if (!m) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getFullYear() === Number(m[1]) && d.getMonth() === Number(m[2]) - 1 && d.getDate() === Number(m[3]) ? v : undefined;
}

/** The start of a local day as an ISO instant; `plusDays` moves it (the end of a `to` day is the start of the next). */
export function dayStart(day: string, plusDays = 0): string {
  const m = DAY.exec(day);
  if (!m) throw new Error(`not a day: ${day}`);
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays).toISOString();
}

/** `from`/`to` days as the API's since/until (until exclusive: the day after `to`). */
export function rangeOf(from: string | undefined, to: string | undefined): { since?: string; until?: string } {
  return { ...(from ? { since: dayStart(from) } : {}), ...(to ? { until: dayStart(to, 1) } : {}) };
}

/** A free-text parameter, trimmed and bounded; undefined when empty. */
export function textParam(q: URLSearchParams, k: string, max = 200): string | undefined {
  const v = (q.get(k) ?? '').trim();
  return v && v.length <= max ? v : undefined;
}
