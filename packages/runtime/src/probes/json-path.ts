// Dotted paths into parsed JSON for `expectJson`, and the short display of a JSON value in a detail.
import { oneLine } from './util.js';

/** `checks.database.ok`, `items.0.id`. */
export function lookup(doc: unknown, path: string): { present: boolean; value?: unknown } {
  let cur: unknown = doc;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return { present: false };
    if (Array.isArray(cur)) {
      const i = Number(seg);
      if (!Number.isInteger(i) || i < 0 || i >= cur.length) return { present: false };
      cur = cur[i];
    } else {
      if (!Object.prototype.hasOwnProperty.call(cur, seg)) return { present: false };
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return { present: true, value: cur };
}

export function show(v: unknown): string {
  return oneLine(JSON.stringify(v) ?? String(v), 60);
}
