// DNS probe: does the name resolve (to the expected addresses)? 'ANY' asks the system resolver
// (getaddrinfo: hosts file, then DNS), which is what the services' own clients do; 'A'/'AAAA' ask the
// configured DNS servers directly, bypassing the hosts file, for checking a record itself.
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { fail, pass, type Outcome } from './outcome.js';
import type { PhaseClock } from './phases.js';
import type { DnsProbe, ProbeObservation } from './spec.js';
import { Deadline, describeError, innermost, oneLine } from './util.js';

const TYPES = ['A', 'AAAA', 'ANY'] as const;

export async function dnsProbe(spec: DnsProbe, timeoutMs: number, signal: AbortSignal | undefined, clock: PhaseClock): Promise<Outcome> {
  const type = spec.recordType ?? 'ANY';
  const name = typeof spec.name === 'string' ? spec.name.trim() : '';
  const target = `dns ${oneLine(name, 80) || '""'} ${type}`;
  if (!(TYPES as readonly string[]).includes(type)) return fail('invalid', `${target}: record type must be one of ${TYPES.join(', ')}`);
  if (name === '') return fail('invalid', `${target}: no name to resolve`);
  clock.start();
  const dl = new Deadline(timeoutMs, signal);
  // getaddrinfo cannot be cancelled (it finishes on the thread pool); the deadline stops waiting for it.
  const resolver = type === 'ANY' ? undefined : new Resolver({ timeout: timeoutMs, tries: 1 });
  try {
    let addresses: string[];
    try {
      addresses = resolver
        ? await dl.race(type === 'A' ? resolver.resolve4(name) : resolver.resolve6(name))
        : (await dl.race(lookup(name, { all: true, verbatim: true }))).map((a) => a.address);
    } catch (err) {
      if (dl.fired) return fail(dl.timedOut ? 'timeout' : 'aborted', `${target} → ${dl.explain('resolving the name')}`);
      return fail(innermost(err)?.code === 'ETIMEOUT' ? 'timeout' : 'dns', `${target} → ${describeError(err)}`);
    }
    clock.mark('dnsMs');
    const observation: ProbeObservation = { addresses, latencyMs: clock.now() };
    const list = addresses.join(', ');
    if (addresses.length === 0) return fail('dns', `${target} → no addresses`, observation);
    const have = new Set(addresses.map(canonical));
    const missing = (spec.expect ?? []).filter((a) => !have.has(canonical(a)));
    if (missing.length > 0) return fail('result', `${target} → ${list}, expected ${missing.join(', ')} among them`, observation);
    return pass(`${target} → ${list}`, observation);
  } finally {
    resolver?.cancel();
    dl.dispose();
  }
}

/** One spelling per address: "0:0::1" and "::1" are the same IPv6 address. */
function canonical(addr: string): string {
  const a = addr.trim();
  if (isIP(a) !== 6) return a;
  try {
    return new URL(`http://[${a}]/`).hostname.slice(1, -1);
  } catch {
    return a;
  }
}
