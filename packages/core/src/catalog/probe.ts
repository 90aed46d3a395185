// What a catalog check sends: the request half of a probe. Expectations are the check's conditions,
// so the probe part carries none; toProbeSpec maps onto the runbooks' ProbeSpec where a kind exists.
import type { ProbeSpec } from '../probes/types.js';
import { keyStep, type Checker, type Obj } from './checker.js';
import type { Condition, SubjectKind } from './conditions.js';

export const CATALOG_PROBE_KINDS = ['http', 'tcp', 'postgres', 'redis', 'command', 'dns'] as const;
export type CatalogProbeKind = (typeof CATALOG_PROBE_KINDS)[number];
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SRV'] as const;

export type CatalogProbe =
  /** Credential headers (Authorization, Cookie, X-Api-Key…) hold `env:NAME` or `file:/path`, resolved by the runtime. */
  | { readonly kind: 'http'; readonly url: string; readonly method?: string; readonly headers?: Readonly<Record<string, string>>; readonly body?: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  /** `url` is `env:NAME`, `file:/path` or a postgres:// URL without a password. */
  | { readonly kind: 'postgres'; readonly url: string; readonly query?: string }
  | { readonly kind: 'redis'; readonly host: string; readonly port: number; readonly command?: string }
  | { readonly kind: 'command'; readonly run: string }
  | { readonly kind: 'dns'; readonly name: string; readonly recordType: (typeof DNS_RECORD_TYPES)[number]; readonly server?: string };

/** Which subjects each probe kind observes (a `status` on a redis check is a load-time error). */
export const SUBJECTS_OF: Record<CatalogProbeKind, readonly SubjectKind[]> = {
  http: ['status', 'latency', 'body', 'json', 'header', 'cert'],
  tcp: ['latency'],
  postgres: ['latency', 'rows', 'result'],
  redis: ['latency', 'reply'],
  command: ['latency', 'exit', 'output', 'json'],
  dns: ['latency', 'addresses'],
};
/** The keys each probe kind's mapping accepts (the docs and their test read this table). */
export const PROBE_KEYS: Record<CatalogProbeKind, readonly string[]> = {
  http: ['url', 'method', 'headers', 'body'],
  tcp: ['host', 'port'],
  postgres: ['url', 'query'],
  redis: ['host', 'port', 'command'],
  command: ['run'],
  dns: ['name', 'type', 'server'],
};
const SECRET_REF_RE = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-auth-token'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Reads the one probe-kind key of a check mapping (`http: {url: …}`); problems under `path`. */
export function readProbe(c: Checker, check: Obj, path: string): CatalogProbe | undefined {
  const kinds = CATALOG_PROBE_KINDS.filter((k) => check[k] !== undefined);
  if (kinds.length !== 1) {
    c.p(
      path,
      kinds.length === 0 ? `a check needs exactly one probe: ${CATALOG_PROBE_KINDS.join(', ')}` : `a check has exactly one probe, not ${kinds.join(' and ')}`,
    );
    return undefined;
  }
  const kind = kinds[0]!;
  const at = `${path}.${kind}`;
  if (kind === 'command' && typeof check[kind] === 'string') return { kind, run: c.str(check[kind], at) ?? '' };
  const o = c.obj(check[kind], at);
  if (!o) return undefined;
  c.keys(o, at, PROBE_KEYS[kind]);
  const port = (dflt?: number): number => c.int(o['port'], `${at}.port`, 1, 65535, dflt) ?? (c.p(`${at}.port`, 'required'), 0);
  const opt = <T extends object>(x: T): T => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined)) as T;
  switch (kind) {
    case 'http': {
      const url = httpUrl(c, o['url'], `${at}.url`);
      const method = c.str(o['method'], `${at}.method`, false)?.toUpperCase();
      if (method !== undefined && !METHODS.includes(method)) c.p(`${at}.method`, `must be one of ${METHODS.join(', ')}`);
      const headers = c.strMap(o['headers'], `${at}.headers`);
      // A credential written here would be committed with the catalog: it must be a reference the runtime resolves.
      for (const [k, val] of Object.entries(headers ?? {}))
        if (CREDENTIAL_HEADERS.includes(k.toLowerCase()) && !SECRET_REF_RE.test(val))
          c.p(`${at}.headers${keyStep(k)}`, 'a credential header is a reference (env:NAME or file:/path), never the value');
      return opt({ kind, url, method, headers, body: c.str(o['body'], `${at}.body`, false) });
    }
    case 'tcp':
      return { kind, host: c.str(o['host'], `${at}.host`) ?? '', port: port() };
    case 'postgres':
      return opt({ kind, url: postgresUrl(c, o['url'], `${at}.url`), query: c.str(o['query'], `${at}.query`, false) });
    case 'redis':
      return opt({ kind, host: c.str(o['host'], `${at}.host`) ?? '', port: port(6379), command: c.str(o['command'], `${at}.command`, false) });
    case 'command':
      return { kind, run: c.str(o['run'], `${at}.run`) ?? '' };
    case 'dns': {
      const type = c.str(o['type'], `${at}.type`, false)?.toUpperCase() ?? 'A';
      const recordType = DNS_RECORD_TYPES.find((t) => t === type);
      if (!recordType) c.p(`${at}.type`, `must be one of ${DNS_RECORD_TYPES.join(', ')}`);
      return opt({ kind, name: c.str(o['name'], `${at}.name`) ?? '', recordType: recordType ?? 'A', server: c.str(o['server'], `${at}.server`, false) });
    }
  }
}

function httpUrl(c: Checker, v: unknown, path: string): string {
  const s = c.str(v, path);
  if (s === undefined) return '';
  const u = parseUrl(s);
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) c.p(path, 'must be an absolute http:// or https:// URL');
  else if (u.username || u.password) c.p(path, 'no credentials in a URL: send them in a header');
  return s;
}

function postgresUrl(c: Checker, v: unknown, path: string): string {
  const s = c.str(v, path);
  if (s === undefined) return '';
  if (SECRET_REF_RE.test(s)) return s;
  const u = parseUrl(s);
  if (!u || (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')) c.p(path, 'must be a postgres:// URL, env:NAME or file:/path');
  else if (u.password) c.p(path, 'a password is never written in the catalog: use env:NAME or file:/path for the whole URL');
  return s;
}

function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/** Probes of one host share a concurrency cap: `host:port` (default ports filled in), or where it runs. */
export function hostKeyOf(p: CatalogProbe): string {
  switch (p.kind) {
    case 'http': {
      const u = parseUrl(p.url);
      return u ? `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}` : p.url;
    }
    case 'tcp':
    case 'redis':
      return `${p.host}:${p.port}`;
    case 'postgres': {
      const u = /^postgres(ql)?:/.test(p.url) ? parseUrl(p.url) : undefined;
      // A secret reference hides the host: the reference itself is the best key there is.
      return u ? `${u.hostname}:${u.port || '5432'}` : p.url;
    }
    case 'command':
      return 'local';
    case 'dns':
      return p.server ?? 'dns';
  }
}

/**
 * The runbooks' ProbeSpec for a check (undefined for `dns`, which it does not have). The verdict is the
 * conditions'; expectations are copied only where one condition says exactly the same thing, so a
 * runner that judges by the ProbeSpec alone agrees with them on those.
 */
export function toProbeSpec(probe: CatalogProbe, timeoutMs: number, conditions: readonly Condition[]): ProbeSpec | undefined {
  const eq = (subject: Condition['subject']['kind']): Condition | undefined => conditions.find((x) => x.subject.kind === subject && x.op === '==');
  const has = (subject: Condition['subject']['kind']): Condition | undefined => conditions.find((x) => x.subject.kind === subject && x.op === 'contains');
  const str = (x: Condition | undefined): string | undefined => (typeof x?.value === 'string' ? x.value : undefined);
  const num = (x: Condition | undefined): number | undefined => (typeof x?.value === 'number' ? x.value : undefined);
  switch (probe.kind) {
    case 'http': {
      const st = conditions.find((x) => x.subject.kind === 'status' && (x.op === '==' || x.op === 'in'));
      const codes = st === undefined ? undefined : Array.isArray(st.value) ? st.value.filter((n): n is number => typeof n === 'number') : [num(st)!];
      return {
        ...probe,
        timeoutMs,
        ...(codes ? { expectStatus: codes } : {}),
        ...(str(has('body')) !== undefined ? { expectBodyContains: str(has('body'))! } : {}),
      };
    }
    case 'tcp':
    case 'postgres':
      return { ...probe, timeoutMs };
    case 'redis':
      return { ...probe, timeoutMs, ...(str(eq('reply')) !== undefined ? { expectReply: str(eq('reply'))! } : {}) };
    case 'command': {
      const exit = num(eq('exit'));
      const out = str(has('output'));
      return { ...probe, timeoutMs, ...(exit !== undefined ? { expectExit: exit } : {}), ...(out !== undefined ? { expectStdoutContains: out } : {}) };
    }
    case 'dns':
      return undefined;
  }
}
