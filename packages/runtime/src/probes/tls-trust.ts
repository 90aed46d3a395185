// What an https probe trusts: Node's bundled roots plus, optionally, the CAs of a PEM file. The same
// set is indexed by subject so the chain walk (tls-chain.ts) can find the trust anchor OpenSSL used.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/** Distinct CA files kept (contexts are costly to build: every probe would otherwise load ~140 roots). */
const MAX_CONTEXTS = 16;

export class TrustAnchors {
  readonly #bySubject = new Map<string, X509Certificate[]>();

  constructor(certs: readonly X509Certificate[]) {
    for (const c of certs) {
      const list = this.#bySubject.get(c.subject);
      if (list) list.push(c);
      else this.#bySubject.set(c.subject, [c]);
    }
  }

  /** A trusted certificate that issued `cert` (names match and its key verifies the signature). */
  issuerOf(cert: X509Certificate): X509Certificate | undefined {
    return this.#bySubject.get(cert.issuer)?.find((a) => issuedBy(cert, a));
  }
}

export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    // A key type this OpenSSL cannot verify with: not a link we can vouch for.
    return false;
  }
}

export interface Trust {
  readonly anchors: TrustAnchors;
  /** Set only with an extra CA file: the bundled roots plus its CAs (Node's `ca` option would replace the roots). */
  readonly context?: SecureContext;
}

let bundled: { certs: X509Certificate[]; anchors: TrustAnchors } | undefined;
const extras = new Map<string, Trust>();

function bundledRoots(): { certs: X509Certificate[]; anchors: TrustAnchors } {
  if (!bundled) {
    const certs = rootCertificates.map((pem) => new X509Certificate(pem));
    bundled = { certs, anchors: new TrustAnchors(certs) };
  }
  return bundled;
}

/** The trust for a probe; throws (with a message fit for the detail) when the CA file is unusable. */
export async function loadTrust(caFile: string | undefined): Promise<Trust> {
  const roots = bundledRoots();
  if (caFile === undefined) return { anchors: roots.anchors };
  let text: string;
  try {
    text = await readFile(caFile, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the CA file ${caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const cached = extras.get(text);
  if (cached) return cached;
  const pems = text.match(PEM_CERT) ?? [];
  if (pems.length === 0) throw new Error(`the CA file ${caFile} holds no PEM certificate`);
  let trust: Trust;
  try {
    const own = pems.map((pem) => new X509Certificate(pem));
    trust = { anchors: new TrustAnchors([...roots.certs, ...own]), context: createSecureContext({ ca: [...rootCertificates, ...pems] }) };
  } catch (err) {
    throw new Error(`the CA file ${caFile} is not usable: ${(err as Error).message}`);
  }
  if (extras.size >= MAX_CONTEXTS) extras.delete(extras.keys().next().value as string);
  extras.set(text, trust);
  return trust;
}
