// Step bodies that have a grammar of their own: http requests and check/wait probes.
import { parseDocument, type Document } from 'yaml';
import type { ProbeKind, ProbeSpec } from '../probes/types.js';
import type { RunbookDiagnosticCode } from './diagnostics.js';
import { lineColIn } from './positions.js';
import { parseDuration } from './duration.js';
import { describe, isMap, isScalar, mapEntries, scalarValue, seqItems, stringOf } from './yaml-util.js';

/** Reports at a 0-based line and column inside a fence body. */
export type BodyReport = (code: RunbookDiagnosticCode, message: string, line0: number, col0: number) => void;

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const HEADER_RE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:[ \t]*(.*?)[ \t]*$/;

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  requestBody?: string;
}

/** `METHOD URL`, then `Header: value` lines, a blank line, then the body. */
export function parseHttpBody(body: string, report: BodyReport): HttpRequest | undefined {
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && (lines[i] ?? '').trim() === '') i++;
  const first = lines[i] ?? '';
  const lead = first.length - first.trimStart().length;
  const m = /^(\S+)(?:[ \t]+(.*?))?[ \t]*$/.exec(first.trim());
  const method = m?.[1] ?? '';
  let url = (m?.[2] ?? '').replace(/[ \t]+HTTP\/\d(?:\.\d)?$/, '');
  if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    report(
      'RB_HTTP_REQUEST_LINE',
      `the first line of an http step is \`METHOD URL\` with METHOD one of ${HTTP_METHODS.join(', ')}; found \`${first.trim()}\``,
      i,
      lead,
    );
    return undefined;
  }
  const urlCol = lead + first.trim().indexOf(url, method.length);
  url = url.trim();
  if (url === '') {
    report('RB_HTTP_REQUEST_LINE', `the request line has no URL: expected \`${method} http://host:port/path\``, i, lead + method.length);
    return undefined;
  }
  if (!/^https?:\/\//i.test(url) && !url.startsWith('{{')) {
    report('RB_HTTP_REQUEST_LINE', `the URL must be absolute (http:// or https://, or start with a {{ … }} reference), not \`${url}\``, i, urlCol);
    return undefined;
  }
  const headers: Record<string, string> = {};
  let ok = true;
  i++;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') break;
    const h = HEADER_RE.exec(line.trim());
    if (!h || h[1] === undefined) {
      report(
        'RB_HTTP_HEADER',
        `\`${line.trim()}\` is not a header line: headers are \`Name: value\`, and a blank line separates them from the body`,
        i,
        line.length - line.trimStart().length,
      );
      ok = false;
      continue;
    }
    const name = h[1];
    const existing = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
    if (existing !== undefined) headers[existing] = `${headers[existing] ?? ''}, ${h[2] ?? ''}`;
    else headers[name] = h[2] ?? '';
  }
  if (!ok) return undefined;
  const rest = lines.slice(i + 1).join('\n');
  const req: HttpRequest = { method, url, headers };
  if (rest.trim() !== '') req.requestBody = rest;
  return req;
}

/** The probe kinds a runbook step may use (dns is the catalog's for now: no step syntax yet). */
export type StepProbeKind = Exclude<ProbeKind, 'dns'>;
export const PROBE_KINDS: readonly StepProbeKind[] = ['http', 'tcp', 'postgres', 'redis', 'command'];
const PROBE_FIELDS: Record<StepProbeKind, readonly string[]> = {
  http: ['url', 'method', 'headers', 'body', 'status', 'body_contains', 'json', 'timeout'],
  tcp: ['host', 'port', 'timeout'],
  postgres: ['url', 'query', 'timeout'],
  redis: ['host', 'port', 'command', 'reply', 'timeout'],
  command: ['run', 'exit', 'stdout_contains', 'timeout'],
};
const REQUIRED: Record<StepProbeKind, readonly string[]> = { http: ['url'], tcp: ['host', 'port'], postgres: ['url'], redis: ['host'], command: ['run'] };

/** A YAML probe body (`http: {url: …, status: [200]}`) → ProbeSpec. String fields may hold {{ … }} references; numbers must be literal. */
export function parseProbeBody(body: string, report: BodyReport): ProbeSpec | undefined {
  const doc = parseDocument(body, { prettyErrors: false, uniqueKeys: true });
  const at = (code: RunbookDiagnosticCode, message: string, offset: number): void => {
    const { line, column } = lineColIn(body, offset);
    report(code, message, line - 1, column - 1);
  };
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const hint = /:[ \t]*\{\{/.test(body) ? ' (a value that starts with {{ must be quoted: url: "{{ inputs.base_url }}/health")' : '';
      at('RB_PROBE_YAML', `probe: ${e.message}${hint}`, e.pos[0]);
    }
    return undefined;
  }
  const top = mapEntries(doc, doc.contents, 0);
  if (!top || top.length === 0) {
    at(
      'RB_PROBE_KIND',
      `a check or wait body is YAML with exactly one of ${PROBE_KINDS.map((k) => `${k}:`).join(', ')}, such as \`http: {url: http://127.0.0.1:7390/health}\``,
      0,
    );
    return undefined;
  }
  let chosen: (typeof top)[number] | undefined;
  let ok = true;
  for (const e of top) {
    if (!(PROBE_KINDS as readonly string[]).includes(e.key)) {
      at('RB_PROBE_KIND', `unknown probe kind \`${e.key}\`: expected exactly one of ${PROBE_KINDS.join(', ')}`, e.keyAt);
      ok = false;
    } else if (chosen) {
      at('RB_PROBE_KIND', `a probe has exactly one kind: \`${chosen.key}\` is already given, so \`${e.key}\` cannot be too (use another step)`, e.keyAt);
      ok = false;
    } else chosen = e;
  }
  if (!ok || !chosen) return undefined;
  const kind = chosen.key as StepProbeKind;
  const fields = mapEntries(doc, chosen.value, chosen.valueAt);
  if (!fields) {
    // `command: ./check.sh` is the one shorthand: a command probe given as a bare string.
    const run = kind === 'command' ? stringOf(chosen.value) : undefined;
    if (run !== undefined && run.trim() !== '') return { kind: 'command', run };
    at('RB_PROBE_FIELD', `${kind} must be a mapping of its fields (${PROBE_FIELDS[kind].join(', ')}), not ${describe(chosen.value)}`, chosen.valueAt);
    return undefined;
  }
  const f = new Map<string, (typeof fields)[number]>();
  for (const e of fields) {
    if (!PROBE_FIELDS[kind].includes(e.key)) {
      at('RB_PROBE_FIELD', `unknown field \`${e.key}\` in a ${kind} probe: expected ${PROBE_FIELDS[kind].join(', ')}`, e.keyAt);
      ok = false;
    } else f.set(e.key, e);
  }
  for (const req of REQUIRED[kind]) {
    if (!f.has(req)) {
      at('RB_PROBE_FIELD', `a ${kind} probe needs \`${req}\``, chosen.keyAt);
      ok = false;
    }
  }
  if (!ok) return undefined;

  const str = (key: string): string | undefined => {
    const e = f.get(key);
    if (!e) return undefined;
    const v = stringOf(e.value, true);
    if (v === undefined) {
      at('RB_PROBE_FIELD', `${kind}.${key} must be a string, not ${describe(e.value)}`, e.valueAt);
      ok = false;
    }
    return v;
  };
  const int = (key: string, min: number, max: number): number | undefined => {
    const e = f.get(key);
    if (!e) return undefined;
    const v = scalarValue(e.value)?.value;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      const tpl = typeof v === 'string' && v.includes('{{') ? '; references are allowed in string fields only' : '';
      at('RB_PROBE_FIELD', `${kind}.${key} must be an integer from ${min} to ${max}, not ${describe(e.value)}${tpl}`, e.valueAt);
      ok = false;
      return undefined;
    }
    return v;
  };
  const timeout = (): number | undefined => {
    const e = f.get('timeout');
    if (!e) return undefined;
    const s = stringOf(e.value);
    const ms = s === undefined ? undefined : parseDuration(s);
    if (ms === undefined || ms <= 0) {
      at('RB_DURATION_INVALID', `${kind}.timeout must be a positive duration such as 500ms, 5s or 1m, not ${describe(e.value)}`, e.valueAt);
      ok = false;
    }
    return ms;
  };
  const timeoutMs = timeout();
  const opt = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

  let probe: ProbeSpec | undefined;
  switch (kind) {
    case 'http': {
      const url = str('url') ?? '';
      if (ok && !/^https?:\/\//i.test(url) && !url.startsWith('{{')) {
        at('RB_PROBE_FIELD', `http.url must be an absolute http:// or https:// URL, not \`${url}\``, f.get('url')?.valueAt ?? 0);
        ok = false;
      }
      const method = str('method');
      if (method !== undefined && !(HTTP_METHODS as readonly string[]).includes(method)) {
        at('RB_PROBE_FIELD', `http.method must be one of ${HTTP_METHODS.join(', ')}, not ${method}`, f.get('method')?.valueAt ?? 0);
        ok = false;
      }
      const headers = stringMap(doc, f.get('headers'), kind, at);
      if (headers === null) ok = false;
      const status = statuses(doc, f.get('status'), at);
      if (status === null) ok = false;
      const json = f.get('json');
      let expectJson: Record<string, unknown> | undefined;
      if (json) {
        if (!isMap(json.value)) {
          at(
            'RB_PROBE_FIELD',
            `http.json must be a mapping of dotted path to expected value, such as {status: ok, "checks.database": pass}, not ${describe(json.value)}`,
            json.valueAt,
          );
          ok = false;
        } else expectJson = json.value.toJSON() as Record<string, unknown>;
      }
      probe = opt({
        kind,
        url,
        method,
        headers: headers ?? undefined,
        body: str('body'),
        expectStatus: status ?? undefined,
        expectBodyContains: str('body_contains'),
        expectJson,
        timeoutMs,
      });
      break;
    }
    case 'tcp':
      probe = opt({ kind, host: str('host') ?? '', port: int('port', 1, 65535) ?? 0, timeoutMs });
      break;
    case 'postgres':
      probe = opt({ kind, url: str('url') ?? '', query: str('query'), timeoutMs });
      break;
    case 'redis':
      probe = opt({ kind, host: str('host') ?? '', port: int('port', 1, 65535) ?? 6379, command: str('command'), expectReply: str('reply'), timeoutMs });
      break;
    case 'command':
      probe = opt({ kind, run: str('run') ?? '', expectExit: int('exit', 0, 255), expectStdoutContains: str('stdout_contains'), timeoutMs });
      break;
  }
  return ok ? probe : undefined;
}

type At = (code: RunbookDiagnosticCode, message: string, offset: number) => void;

function stringMap(doc: Document, e: { value: unknown; valueAt: number } | undefined, kind: string, at: At): Record<string, string> | undefined | null {
  if (!e) return undefined;
  const entries = mapEntries(doc, e.value, e.valueAt);
  if (!entries) {
    at('RB_PROBE_FIELD', `${kind}.headers must be a mapping of header name to value, not ${describe(e.value)}`, e.valueAt);
    return null;
  }
  const out: Record<string, string> = {};
  for (const h of entries) {
    const v = stringOf(h.value, true);
    if (v === undefined) {
      at('RB_PROBE_FIELD', `${kind}.headers.${h.key} must be a string, not ${describe(h.value)}`, h.valueAt);
      return null;
    }
    out[h.key] = v;
  }
  return out;
}

function statuses(doc: Document, e: { value: unknown; valueAt: number } | undefined, at: At): number[] | undefined | null {
  if (!e) return undefined;
  const items = isScalar(e.value) ? [{ value: e.value as unknown, at: e.valueAt }] : seqItems(doc, e.value, e.valueAt);
  if (!items || items.length === 0) {
    at('RB_PROBE_FIELD', `http.status must be a status code or a list of them, such as [200, 204], not ${describe(e.value)}`, e.valueAt);
    return null;
  }
  const out: number[] = [];
  for (const it of items) {
    const v = scalarValue(it.value)?.value;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 100 || v > 599) {
      at('RB_PROBE_FIELD', `http.status: each status must be an integer from 100 to 599, not ${describe(it.value)}`, it.at);
      return null;
    }
    out.push(v);
  }
  return out;
}
