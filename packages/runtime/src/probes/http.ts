// HTTP probe: global fetch (undici), one deadline for connect, headers and body.
import { isDeepStrictEqual } from 'node:util';
import type { HttpProbe } from './spec.js';
import { Deadline, describeError, oneLine, quote, safeUrl } from './util.js';

/** Bytes of body read at most; a health endpoint that answers more is not a health endpoint. */
export const MAX_PROBE_BODY_BYTES = 1024 * 1024;

export interface Outcome {
  readonly ok: boolean;
  readonly detail: string;
}

export async function httpProbe(spec: HttpProbe, timeoutMs: number, signal: AbortSignal | undefined): Promise<Outcome> {
  const method = (spec.method ?? 'GET').toUpperCase();
  const expectStatus = spec.expectStatus && spec.expectStatus.length > 0 ? spec.expectStatus : [200];
  const want = expectStatus.join(' or ');
  const shown = `${method} ${safeUrl(spec.url)}`;

  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return { ok: false, detail: `${shown}: not a valid URL` };
  }
  const headers = new Headers(spec.headers ?? {});
  // fetch refuses URLs with credentials; send them the way curl does, as Basic auth.
  if (url.username || url.password) {
    if (!headers.has('authorization')) {
      const user = decodeURIComponent(url.username);
      const pass = decodeURIComponent(url.password);
      headers.set('authorization', `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`);
    }
    url.username = '';
    url.password = '';
  }

  const dl = new Deadline(timeoutMs, signal);
  try {
    let res: Response;
    let body: string;
    try {
      res = await fetch(url, {
        method,
        headers,
        // Report the status the server gave: a 307 is an answer ("200 or 307 redirect"), not a hop.
        redirect: 'manual',
        signal: dl.signal,
        ...(spec.body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body: spec.body } : {}),
      });
      body = await readCapped(res, dl);
    } catch (err) {
      return { ok: false, detail: `${shown} → ${dl.fired ? dl.reason : describeError(err)}, expected ${want}` };
    }

    const seen = `${shown} → ${res.status}`;
    if (!expectStatus.includes(res.status)) {
      return { ok: false, detail: `${seen}, expected ${want}${body ? ` (body: ${quote(body)})` : ''}` };
    }
    const met: string[] = [];
    if (spec.expectBodyContains !== undefined) {
      if (!body.includes(spec.expectBodyContains)) {
        return { ok: false, detail: `${seen}, but the body lacks ${quote(spec.expectBodyContains)} (body: ${quote(body)})` };
      }
      met.push(`body contains ${quote(spec.expectBodyContains)}`);
    }
    if (spec.expectJson && Object.keys(spec.expectJson).length > 0) {
      let doc: unknown;
      try {
        doc = JSON.parse(body);
      } catch {
        return { ok: false, detail: `${seen}, but the body is not JSON (body: ${quote(body)})` };
      }
      for (const [path, expected] of Object.entries(spec.expectJson)) {
        const found = lookup(doc, path);
        if (!found.present) return { ok: false, detail: `${seen}, but ${path} is missing, expected ${show(expected)}` };
        if (!isDeepStrictEqual(found.value, expected)) {
          return { ok: false, detail: `${seen}, but ${path} = ${show(found.value)}, expected ${show(expected)}` };
        }
        met.push(`${path} = ${show(expected)}`);
      }
    }
    return { ok: true, detail: met.length > 0 ? `${seen}, ${met.join(', ')}` : seen };
  } finally {
    dl.dispose();
  }
}

async function readCapped(res: Response, dl: Deadline): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await dl.race(reader.read());
    if (done) break;
    parts.push(value);
    size += value.byteLength;
    if (size >= MAX_PROBE_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return Buffer.concat(parts).subarray(0, MAX_PROBE_BODY_BYTES).toString('utf8');
}

/** Dotted path into parsed JSON: `checks.database.ok`, `items.0.id`. */
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

function show(v: unknown): string {
  return oneLine(JSON.stringify(v) ?? String(v), 60);
}
