// The expectations of an HTTP probe, checked against an exchange in a fixed order (status, headers,
// body, JSON, latency, certificate lifetime): the first unmet one is the reason. The order puts
// "the service is answering wrongly" before "slow" before "its certificate needs renewing soon".
import { isDeepStrictEqual } from 'node:util';
import type { Exchange } from './http-exchange.js';
import { lookup, show } from './json-path.js';
import type { FailureReason } from './reasons.js';
import type { HttpProbe } from './spec.js';
import type { ChainFacts } from './tls-chain.js';
import { quote } from './util.js';

const DAY_MS = 86_400_000;

export type Verdict = { readonly met: readonly string[] } | { readonly reason: FailureReason; readonly detail: string };

export function judge(spec: HttpProbe, ex: Exchange, seen: string, latencyMs: number, chain: ChainFacts | undefined, now = Date.now()): Verdict {
  const expectStatus = spec.expectStatus && spec.expectStatus.length > 0 ? spec.expectStatus : [200];
  const body = ex.body;
  if (!expectStatus.includes(ex.status)) {
    return { reason: 'status', detail: `${seen}, expected ${expectStatus.join(' or ')}${body ? ` (body: ${quote(body)})` : ''}` };
  }
  const met: string[] = [];
  for (const [name, want] of Object.entries(spec.expectHeaders ?? {})) {
    const raw = ex.headers[name.toLowerCase()];
    const got = Array.isArray(raw) ? raw.join(', ') : raw;
    if (got === undefined) return { reason: 'header', detail: `${seen}, but header ${name.toLowerCase()} is missing` };
    if (!got.includes(want))
      return { reason: 'header', detail: `${seen}, but header ${name.toLowerCase()} is ${quote(got)}, expected it to contain ${quote(want)}` };
    met.push(want === '' ? `header ${name.toLowerCase()} present` : `header ${name.toLowerCase()} contains ${quote(want)}`);
  }
  if (spec.expectBodyContains !== undefined) {
    if (!body.includes(spec.expectBodyContains)) {
      return { reason: 'body', detail: `${seen}, but the body lacks ${quote(spec.expectBodyContains)} (body: ${quote(body)})` };
    }
    met.push(`body contains ${quote(spec.expectBodyContains)}`);
  }
  if (spec.expectJson && Object.keys(spec.expectJson).length > 0) {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      return { reason: 'json', detail: `${seen}, but the body is not JSON${ex.truncated ? ' (cut at the body cap)' : ''} (body: ${quote(body)})` };
    }
    for (const [path, expected] of Object.entries(spec.expectJson)) {
      const found = lookup(doc, path);
      if (!found.present) return { reason: 'json', detail: `${seen}, but ${path} is missing, expected ${show(expected)}` };
      if (!isDeepStrictEqual(found.value, expected))
        return { reason: 'json', detail: `${seen}, but ${path} = ${show(found.value)}, expected ${show(expected)}` };
      met.push(`${path} = ${show(expected)}`);
    }
  }
  if (spec.maxLatencyMs !== undefined) {
    const took = Math.round(latencyMs);
    if (!(latencyMs < spec.maxLatencyMs)) return { reason: 'latency', detail: `${seen} in ${took}ms, expected under ${spec.maxLatencyMs}ms` };
    met.push(`in ${took}ms (under ${spec.maxLatencyMs}ms)`);
  }
  if (spec.minCertDays !== undefined) {
    if (!chain) return { reason: 'tls_invalid', detail: `${seen}, but no verified certificate chain was seen, expected ${spec.minCertDays} days or more` };
    const days = (Date.parse(chain.observation.chainExpiresAt) - now) / DAY_MS;
    const when = `${chain.soonest}, ${chain.observation.chainExpiresAt}`;
    if (days < spec.minCertDays) {
      return {
        reason: 'tls_expiring',
        detail: `${seen}, but the certificate chain expires in ${days.toFixed(1)} days (${when}), expected ${spec.minCertDays} days or more`,
      };
    }
    met.push(`certificate chain valid ${Math.floor(days)} more days`);
  }
  return { met };
}
