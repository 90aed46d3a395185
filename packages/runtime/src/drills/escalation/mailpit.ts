// A small client for a Mailpit server the operator runs: the drill sends to its SMTP port and reads
// arrivals through its API (`GET /api/v1/search?query=subject:"…"`, then each message's headers).
// Credentials in the URL (Mailpit's --ui-auth) are sent as Basic auth and never shown.
import { keptHeaders, type DrillMailbox, type SeenMail } from './mailbox.js';
import type { SmtpAddress } from './options.js';

interface Address {
  readonly Name?: string;
  readonly Address?: string;
}

/** One message of a search answer (the fields the drill reads). */
export interface MailpitSummary {
  readonly ID: string;
  readonly MessageID?: string;
  readonly From?: Address | null;
  readonly To?: readonly Address[] | null;
  readonly Subject?: string;
  readonly Created: string;
}

export interface MailpitClient {
  search(query: string): Promise<MailpitSummary[]>;
  headers(id: string): Promise<Record<string, string[]>>;
  /** The URL without credentials. */
  readonly shown: string;
}

/** The URL as it may be shown: without user and password. */
export function shownUrl(url: URL): string {
  const u = new URL(url.href);
  u.username = '';
  u.password = '';
  return u.href;
}

export function mailpitClient(url: URL, timeoutMs = 5000): MailpitClient {
  const base = new URL(url.href.endsWith('/') ? url.href : `${url.href}/`);
  const auth = base.username
    ? `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`
    : undefined;
  base.username = '';
  base.password = '';
  const get = async (path: string): Promise<unknown> => {
    const target = new URL(path, base);
    let res: Response;
    try {
      res = await fetch(target, { headers: { accept: 'application/json', ...(auth ? { authorization: auth } : {}) }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`Mailpit ${target.origin}${target.pathname}: ${cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e))}`);
    }
    if (!res.ok) throw new Error(`Mailpit ${target.origin}${target.pathname}: HTTP ${res.status}`);
    return res.json();
  };
  return {
    shown: base.href,
    async search(query) {
      const body = (await get(`api/v1/search?query=${encodeURIComponent(query)}&limit=200`)) as { messages?: unknown };
      if (!Array.isArray(body.messages)) throw new Error('Mailpit search: the answer has no messages list');
      return (body.messages as MailpitSummary[]).filter((m) => typeof m?.ID === 'string' && typeof m.Created === 'string');
    },
    async headers(id) {
      const body = (await get(`api/v1/message/${encodeURIComponent(id)}/headers`)) as Record<string, unknown>;
      const out: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(body ?? {})) if (Array.isArray(v)) out[k] = v.map(String);
      return out;
    },
  };
}

/** A drill's mailbox in Mailpit: the messages whose subject carries `[DRILL <id>]`. */
export function mailpitMailbox(o: { url: URL; smtp: SmtpAddress; drillId: string; timeoutMs?: number }): DrillMailbox {
  const client = mailpitClient(o.url, o.timeoutMs);
  // Headers do not change once a message is stored: fetch each message's once.
  const known = new Map<string, SeenMail>();
  return {
    kind: 'mailpit',
    smtp: o.smtp,
    describe: `Mailpit at ${client.shown} (SMTP ${o.smtp.host}:${o.smtp.port})`,
    async messages() {
      for (const m of await client.search(`subject:"[DRILL ${o.drillId}]"`)) {
        if (known.has(m.ID)) continue;
        const all: Record<string, string> = {};
        for (const [k, v] of Object.entries(await client.headers(m.ID))) all[k.toLowerCase()] = v.join('\n');
        known.set(m.ID, {
          atMs: Date.parse(m.Created),
          from: m.From?.Address ?? '',
          to: (m.To ?? []).map((a) => a.Address ?? '').filter((a) => a !== ''),
          subject: m.Subject ?? '',
          headers: keptHeaders({ ...all, ...(m.Subject !== undefined ? { subject: m.Subject } : {}) }),
        });
      }
      return [...known.values()].sort((a, b) => a.atMs - b.atMs);
    },
    close: () => Promise.resolve(),
  };
}
