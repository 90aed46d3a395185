// Certificate expiry as clients meet it. Node links the peer certificate to its issuers
// (getPeerCertificate(true)): first among the certificates the server sent, then from the trust store.
// That list can hold a certificate verification never used, such as a stale cross-signed root the
// server still sends; OpenSSL (trusted-first) stops at the first trusted issuer instead. So the chain
// is rebuilt the same way: at each step a trusted issuer wins, else the next sent one. Its smallest
// NotAfter is `chainExpiresAt`; the smallest over everything Node linked is `earliestSentExpiresAt`.
//
// Limits: Node 20 does not expose the raw list the server sent, so a sent certificate that links to
// nothing is not seen; roots added by NODE_EXTRA_CA_CERTS or --use-openssl-ca are not in the anchor
// index, and a chain ending at one of them follows Node's links (the same result in practice).
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';
import type { CertObservation } from './spec.js';
import { issuedBy, type TrustAnchors } from './tls-trust.js';

/** Longer chains than this are not real; it bounds the walks. */
const MAX_CHAIN = 16;

export interface ChainFacts {
  readonly observation: CertObservation;
  /** The certificate whose NotAfter is `chainExpiresAt` ("CN=R3"). */
  readonly soonest: string;
  /** The first certificate on the chain already past its NotAfter, if any. */
  readonly expired?: { readonly subject: string; readonly notAfter: string };
}

export function chainFacts(peer: DetailedPeerCertificate, anchors: TrustAnchors, verified: boolean, now = Date.now()): ChainFacts | undefined {
  const linked = linkedChain(peer);
  const leaf = linked[0];
  if (!leaf) return undefined;
  const path = verifiedPath(leaf, linked, anchors);
  const soonest = earliest(path);
  const all = earliest(linked);
  if (!soonest || !all) return undefined;
  const gone = path.find((c) => notAfter(c) < now);
  return {
    observation: {
      chainExpiresAt: new Date(notAfter(soonest)).toISOString(),
      earliestSentExpiresAt: new Date(notAfter(all)).toISOString(),
      subject: dn(leaf.subject),
      issuer: dn(leaf.issuer),
      verified,
    },
    soonest: dn(soonest.subject),
    ...(gone ? { expired: { subject: dn(gone.subject), notAfter: new Date(notAfter(gone)).toISOString() } } : {}),
  };
}

/** Node's issuerCertificate links, leaf first, until a self-reference (the root) or a repeat. */
function linkedChain(peer: DetailedPeerCertificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<DetailedPeerCertificate>();
  let cur: DetailedPeerCertificate | undefined = peer;
  while (cur?.raw && !seen.has(cur) && out.length < MAX_CHAIN) {
    seen.add(cur);
    out.push(new X509Certificate(cur.raw));
    cur = cur.issuerCertificate;
  }
  return out;
}

/** Trusted-first, like OpenSSL: a trusted issuer ends the search for each link; sent ones fill the gaps. */
function verifiedPath(leaf: X509Certificate, linked: readonly X509Certificate[], anchors: TrustAnchors): X509Certificate[] {
  const path = [leaf];
  let cur = leaf;
  while (path.length < MAX_CHAIN && !issuedBy(cur, cur)) {
    const next = anchors.issuerOf(cur) ?? linked.find((c) => !path.includes(c) && issuedBy(cur, c));
    if (!next || path.some((p) => p.fingerprint256 === next.fingerprint256)) break;
    path.push(next);
    cur = next;
  }
  return path;
}

function notAfter(c: X509Certificate): number {
  const t = Date.parse(c.validTo);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

function earliest(certs: readonly X509Certificate[]): X509Certificate | undefined {
  let best: X509Certificate | undefined;
  for (const c of certs) if (Number.isFinite(notAfter(c)) && (!best || notAfter(c) < notAfter(best))) best = c;
  return best;
}

/** "C=US\nO=Let's Encrypt\nCN=R3" → "C=US, O=Let's Encrypt, CN=R3". */
function dn(s: string): string {
  return s.split('\n').filter(Boolean).join(', ');
}
