// One HTTP exchange on node:http/node:https with a fresh connection (agent: false), as blackbox_exporter
// does: a pooled keep-alive socket can answer for a listener that is already gone, and costs more CPU
// per check. Redirects are not followed; the body is read up to a cap; the caller's deadline covers
// DNS, connect, TLS, headers and body, and aborting it destroys the request.
import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkServerIdentity, type DetailedPeerCertificate, type PeerCertificate, type SecureContext } from 'node:tls';
import type { PhaseClock } from './phases.js';
import { PeerClosed, type Deadline } from './util.js';

/** Bytes of body read at most; a health endpoint that answers more is not a health endpoint. */
export const MAX_PROBE_BODY_BYTES = 1024 * 1024;

export interface ExchangeRequest {
  /** Without credentials (they travel as an Authorization header). */
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** https with an extra CA: the context holding the bundled roots and it. */
  readonly secureContext?: SecureContext;
}

export interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly truncated: boolean;
  /** https: the peer certificate with Node's issuer links, captured once the chain verified. */
  readonly peer?: DetailedPeerCertificate;
}

/** The host for connecting: the URL's hostname without IPv6 brackets. */
export function connectHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export function exchange(req: ExchangeRequest, dl: Deadline, clock: PhaseClock): Promise<Exchange> {
  const tls = req.url.protocol === 'https:';
  const host = connectHost(req.url);
  let peer: DetailedPeerCertificate | undefined;
  const options: RequestOptions & { rejectUnauthorized?: boolean; secureContext?: SecureContext; checkServerIdentity?: typeof checkServerIdentity } = {
    method: req.method,
    host,
    port: req.url.port || (tls ? 443 : 80),
    path: `${req.url.pathname}${req.url.search}`,
    headers: req.headers,
    agent: false,
    ...(tls
      ? {
          rejectUnauthorized: true,
          ...(req.secureContext ? { secureContext: req.secureContext } : {}),
          // Called only once the chain verified; its certificate carries Node's issuer links.
          checkServerIdentity: (name: string, cert: PeerCertificate): Error | undefined => {
            const err = checkServerIdentity(name, cert);
            if (!err) peer = cert as DetailedPeerCertificate;
            return err;
          },
        }
      : {}),
  };

  return new Promise<Exchange>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      dl.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => {
      r.destroy(dl.signal.reason as Error);
      settle(() => reject(dl.signal.reason as Error));
    };
    const r = (tls ? httpsRequest : httpRequest)(options, (res) => {
      clock.mark('firstByteMs');
      const parts: Buffer[] = [];
      let size = 0;
      const finish = (truncated: boolean): void => {
        const body = Buffer.concat(parts).subarray(0, MAX_PROBE_BODY_BYTES).toString('utf8');
        settle(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, truncated, ...(peer ? { peer } : {}) }));
        r.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        parts.push(chunk);
        size += chunk.byteLength;
        if (size > MAX_PROBE_BODY_BYTES) finish(true);
      });
      res.once('end', () => finish(false));
      res.once('error', (err) => settle(() => reject(err)));
      res.once('close', () => settle(() => reject(new PeerClosed('connection closed before the body ended'))));
    });
    r.on('socket', (s) => clock.watch(s));
    r.on('error', (err) => settle(() => reject(err)));
    if (dl.fired) return onAbort();
    dl.signal.addEventListener('abort', onAbort, { once: true });
    r.end(req.body);
  });
}
