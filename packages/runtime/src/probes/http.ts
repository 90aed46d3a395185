// HTTP probe: one exchange (http-exchange.ts), then the expectations (http-expect.ts). A failure says
// why as a reason and in words: refused, timed out while connecting, certificate expired, status 503.
import { isIP } from 'node:net';
import { connectHost, exchange, type Exchange } from './http-exchange.js';
import { judge } from './http-expect.js';
import { observeHeaders } from './observe.js';
import { fail, pass, type Outcome } from './outcome.js';
import type { PhaseClock } from './phases.js';
import { reasonOf } from './reasons.js';
import type { HttpProbe, ProbeObservation } from './spec.js';
import { chainFacts } from './tls-chain.js';
import { peekChain } from './tls-peek.js';
import { loadTrust, type Trust } from './tls-trust.js';
import { Deadline, describeError, safeUrl } from './util.js';

export { MAX_PROBE_BODY_BYTES } from './http-exchange.js';

export async function httpProbe(spec: HttpProbe, timeoutMs: number, signal: AbortSignal | undefined, clock: PhaseClock): Promise<Outcome> {
  const method = (spec.method ?? 'GET').toUpperCase();
  const expectStatus = spec.expectStatus && spec.expectStatus.length > 0 ? spec.expectStatus : [200];
  const want = expectStatus.join(' or ');
  const shown = `${method} ${safeUrl(spec.url)}`;

  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return fail('invalid', `${shown}: not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('invalid', `${shown}: only http:// and https:// URLs can be probed`);
  const tls = url.protocol === 'https:';
  if (!tls && spec.minCertDays !== undefined) return fail('invalid', `${shown}: minCertDays needs an https:// URL`);

  const headers = withBasicAuth(url, spec.headers ?? {});
  let trust: Trust | undefined;
  if (tls) {
    try {
      trust = await loadTrust(spec.ca);
    } catch (err) {
      return fail('invalid', `${shown}: ${(err as Error).message}`);
    }
  }

  const dl = new Deadline(timeoutMs, signal);
  try {
    let ex: Exchange;
    try {
      ex = await exchange(
        {
          url,
          method,
          headers,
          ...(spec.body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body: spec.body } : {}),
          ...(trust?.context ? { secureContext: trust.context } : {}),
        },
        dl,
        clock,
      );
    } catch (err) {
      if (dl.fired) {
        const stage = clock.stage({ resolves: isIP(connectHost(url)) === 0, tls, answer: 'the response' });
        return fail(dl.timedOut ? 'timeout' : 'aborted', `${shown} → ${dl.explain(stage)}, expected ${want}`);
      }
      const reason = reasonOf(err);
      if (trust && (reason === 'tls_expired' || reason === 'tls_invalid')) return explainTls(err, reason, url, trust, shown, dl);
      return fail(reason, `${shown} → ${describeError(err)}, expected ${want}`);
    }

    const latencyMs = clock.now();
    const chain = ex.peer && trust ? chainFacts(ex.peer, trust.anchors, true) : undefined;
    const observation: ProbeObservation = {
      status: ex.status,
      headers: observeHeaders(ex.headers),
      body: ex.body,
      ...(ex.truncated ? { bodyTruncated: true } : {}),
      latencyMs,
      ...(chain ? { cert: chain.observation } : {}),
    };
    const seen = `${shown} → ${ex.status}`;
    const verdict = judge(spec, ex, seen, latencyMs, chain);
    if ('reason' in verdict) return fail(verdict.reason, verdict.detail, observation);
    return pass(verdict.met.length > 0 ? `${seen}, ${verdict.met.join(', ')}` : seen, observation);
  } finally {
    dl.dispose();
  }
}

/** URL credentials sent the way curl does, as Basic auth, unless the probe sets Authorization itself. */
function withBasicAuth(url: URL, given: Readonly<Record<string, string>>): Record<string, string> {
  const headers = { ...given };
  if (url.username || url.password) {
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) {
      const user = decodeURIComponent(url.username);
      const pass = decodeURIComponent(url.password);
      headers['authorization'] = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    url.username = '';
    url.password = '';
  }
  return headers;
}

/** A verification failure, with the chain read by a second, send-nothing handshake to say which certificate. */
async function explainTls(err: unknown, reason: 'tls_expired' | 'tls_invalid', url: URL, trust: Trust, shown: string, dl: Deadline): Promise<Outcome> {
  const host = connectHost(url);
  const peer = await peekChain(host, Number(url.port || 443), isIP(host) === 0 ? host : undefined, trust.context, dl);
  const chain = peer ? chainFacts(peer, trust.anchors, false) : undefined;
  const which = chain?.expired
    ? ` (${chain.expired.subject} expired ${chain.expired.notAfter})`
    : chain
      ? ` (${chain.observation.subject}, issued by ${chain.observation.issuer})`
      : '';
  return fail(reason, `${shown} → TLS: ${describeError(err)}${which}`, chain ? { cert: chain.observation } : undefined);
}
