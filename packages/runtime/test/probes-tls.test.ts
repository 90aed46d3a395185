// https probes against real TLS servers started here, with certificates the openssl CLI makes: one that
// expires in 3 days (trusted through the probe's `ca`), one that expired in 2020, one nobody trusts,
// one for another name, and a chain whose server also sends a cross-signed root expiring tomorrow
// (the chain clients verify does not use it: no false alarm). Certificate dates are compared with a
// tolerance of an hour; nothing depends on how fast the machine is.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PROBE_REASONS, type ProbeResult } from '@runledger/core';
import { runProbe } from '../src/probes/index.js';
import { Pki, type Pem } from './helpers/pki.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

const pki = new Pki();
const servers: (Server | HttpServer)[] = [];
let soon: Pem;
let expired: Pem;
let other: Pem;
let root: Pem;
let soonUrl = '';
let expiredUrl = '';
let otherUrl = '';
let chainUrl = '';
let plainUrl = '';
let chainCa = '';
let chainLeafDays = 0;

async function serve(key: string, cert: string): Promise<string> {
  const s = createServer({ key, cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('secure hello');
  });
  servers.push(s);
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  return `https://localhost:${(s.address() as AddressInfo).port}/`;
}

function near(iso: string | undefined, expectedMs: number): void {
  assert.ok(iso, 'a date');
  const diff = Math.abs(Date.parse(iso) - expectedMs);
  assert.ok(diff < HOUR, `${iso} is not within an hour of ${new Date(expectedMs).toISOString()}`);
}

function reasonIsKnown(r: ProbeResult): void {
  assert.ok((PROBE_REASONS as readonly string[]).includes(r.reason), r.reason);
}

before(async () => {
  soon = pki.selfSigned('soon', 3);
  expired = pki.expired('expired');
  other = pki.selfSigned('other', 30, 'other.example', 'subjectAltName=DNS:other.example');
  soonUrl = await serve(soon.key, soon.cert);
  expiredUrl = await serve(expired.key, expired.cert);
  otherUrl = await serve(other.key, other.cert);

  // root (10 years) → intermediate (30 days) → leaf (20 days); the server also sends the root
  // cross-signed by an old root, valid one day. Only `root` is trusted.
  root = pki.ca('root', 3650, '/CN=Test Root');
  const old = pki.ca('old', 3650, '/CN=Old Root');
  const cross = pki.ca('cross', 1, '/CN=Test Root', { by: old, key: root.keyFile });
  const inter = pki.ca('inter', 30, '/CN=Test Intermediate', { by: root });
  chainLeafDays = 20;
  const leaf = pki.leaf('leaf', chainLeafDays, inter);
  chainCa = pki.bundle('trust', root);
  chainUrl = await serve(leaf.key, leaf.cert + inter.cert + cross.cert);

  const plain = createHttpServer((_req, res) => res.end('plain'));
  servers.push(plain);
  await new Promise<void>((res) => plain.listen(0, '127.0.0.1', res));
  plainUrl = `https://127.0.0.1:${(plain.address() as AddressInfo).port}/`;
});

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((res) => s.close(() => res()));
  }
  pki.dispose();
});

describe('https probe: certificate expiry on the verified chain', () => {
  it('trusts a private CA through `ca`, reports the chain expiry and the TLS phase', async () => {
    const r = await runProbe({ kind: 'http', url: soonUrl, ca: soon.certFile, expectBodyContains: 'secure' });
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.reason, 'ok');
    const cert = r.observation?.cert;
    assert.ok(cert, 'a certificate observation');
    assert.equal(cert.verified, true);
    assert.equal(cert.subject, 'CN=localhost');
    assert.equal(cert.issuer, 'CN=localhost');
    near(cert.chainExpiresAt, Date.now() + 3 * DAY);
    assert.equal(cert.earliestSentExpiresAt, cert.chainExpiresAt);
    const p = r.phases!;
    assert.ok(p.dnsMs !== undefined && p.connectMs !== undefined && p.tlsMs !== undefined && p.firstByteMs !== undefined, JSON.stringify(p));
    assert.ok(0 <= p.dnsMs && p.dnsMs <= p.connectMs && p.connectMs <= p.tlsMs && p.tlsMs <= p.firstByteMs && p.firstByteMs <= p.totalMs, JSON.stringify(p));
  });

  it('fails a minCertDays expectation the chain does not meet, with reason tls_expiring', async () => {
    const r = await runProbe({ kind: 'http', url: soonUrl, ca: soon.certFile, minCertDays: 7 });
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'tls_expiring');
    assert.match(r.detail, /→ 200, but the certificate chain expires in (2\.\d|3\.0) days \(CN=localhost, 20\d\d-.*\), expected 7 days or more$/);
    assert.equal(r.observation?.status, 200);
    const enough = await runProbe({ kind: 'http', url: soonUrl, ca: soon.certFile, minCertDays: 2 });
    assert.equal(enough.ok, true, enough.detail);
    assert.match(enough.detail, /certificate chain valid 2 more days$/);
  });

  it('counts the chain verification used, not a cross-signed certificate the server also sends', async () => {
    const r = await runProbe({ kind: 'http', url: chainUrl, ca: chainCa, minCertDays: 7 });
    assert.equal(r.ok, true, r.detail);
    const cert = r.observation!.cert!;
    assert.equal(cert.issuer, 'CN=Test Intermediate');
    // The leaf (20 days) is the first of leaf, intermediate (30 days) and trusted root to expire…
    near(cert.chainExpiresAt, Date.now() + chainLeafDays * DAY);
    // …while the cross-signed root the server sent expires tomorrow: blackbox's "earliest" would alarm.
    near(cert.earliestSentExpiresAt, Date.now() + DAY);
  });

  it('an expired certificate fails with tls_expired and says which certificate, when', async () => {
    const r = await runProbe({ kind: 'http', url: expiredUrl, ca: expired.certFile });
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'tls_expired');
    assert.match(r.detail, /→ TLS: certificate has expired \(CN=localhost expired 2020-01-02T00:00:00\.000Z\)$/);
    assert.equal(r.observation?.cert?.verified, false);
    assert.equal(r.observation?.cert?.chainExpiresAt, '2020-01-02T00:00:00.000Z');
    assert.equal(r.observation?.status, undefined, 'no request was sent');
  });

  it('an untrusted or misnamed certificate fails with tls_invalid; verification is never off', async () => {
    const untrusted = await runProbe({ kind: 'http', url: soonUrl });
    assert.equal(untrusted.ok, false);
    assert.equal(untrusted.reason, 'tls_invalid');
    assert.match(untrusted.detail, /→ TLS: self-signed certificate \(CN=localhost, issued by CN=localhost\)$/);
    const misnamed = await runProbe({ kind: 'http', url: otherUrl, ca: other.certFile });
    assert.equal(misnamed.ok, false);
    assert.equal(misnamed.reason, 'tls_invalid');
    assert.match(misnamed.detail, /→ TLS: Hostname\/IP does not match certificate's altnames/);
  });

  it('TLS to a plain HTTP listener fails the handshake; a bad CA file is the definition at fault', async () => {
    const r = await runProbe({ kind: 'http', url: plainUrl });
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'tls_handshake');
    assert.match(r.detail, /→ TLS handshake failed \(wrong version number\), expected 200$/);
    assert.ok(r.phases?.connectMs !== undefined && r.phases.tlsMs === undefined, JSON.stringify(r.phases));
    const noFile = await runProbe({ kind: 'http', url: soonUrl, ca: `${pki.dir}/missing.pem` });
    assert.equal(noFile.reason, 'invalid');
    assert.match(noFile.detail, /cannot read the CA file .*missing\.pem: ENOENT$/);
    const notPem = await runProbe({ kind: 'http', url: soonUrl, ca: soon.keyFile });
    assert.equal(notPem.reason, 'invalid');
    assert.match(notPem.detail, /holds no PEM certificate$/);
    const plainDays = await runProbe({ kind: 'http', url: 'http://127.0.0.1:1/', minCertDays: 7 });
    assert.equal(plainDays.reason, 'invalid');
    for (const x of [r, noFile, notPem, plainDays]) reasonIsKnown(x);
  });
});
