// The HTTP probe on node:http against a real server started here: reasons, phases, observations, and
// a fresh connection per probe (a listener that went away is seen on the very next probe). No test
// passes or fails on how fast the machine is: the one latency failure waits on a server that sleeps.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PROBE_REASONS, type ProbePhases } from '@runledger/core';
import { runProbe } from '../src/probes/index.js';
import { REDACTION_MARK as M } from '../src/redact.js';

let server: Server;
let base = '';
let closedPort = 0;

function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/ok':
      return void res.end('all good');
    case '/down':
      return void res.writeHead(503, { 'retry-after': '5' }).end('maintenance');
    case '/json':
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-version': '1.4.2', 'set-cookie': 'sid=abc123secret' });
      return void res.end(JSON.stringify({ status: 'UP', checks: { db: { ok: true } }, items: [{ id: 'a' }] }));
    case '/sleep':
      return void setTimeout(() => res.end('late'), 300);
    case '/hang':
      return; // never answers
    case '/big':
      res.writeHead(200);
      return void res.end('x'.repeat(2 * 1024 * 1024));
    default:
      res.writeHead(404).end('not found');
  }
}

async function listen(s: Server | TcpServer): Promise<number> {
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  return (s.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = createTcpServer();
  const port = await listen(s);
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

function ordered(p: ProbePhases | undefined, marks: readonly (keyof ProbePhases)[]): void {
  assert.ok(p, 'phases');
  const values = marks.map((m) => p[m]);
  for (const [i, v] of values.entries()) assert.ok(typeof v === 'number' && v >= 0, `${marks[i]} in ${JSON.stringify(p)}`);
  for (let i = 1; i < values.length; i++) assert.ok(values[i - 1]! <= values[i]!, `${marks[i - 1]} ≤ ${marks[i]} in ${JSON.stringify(p)}`);
}

before(async () => {
  server = createServer(handler);
  base = `http://127.0.0.1:${await listen(server)}`;
  closedPort = await freePort();
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((res) => server.close(() => res()));
});

describe('http probe: reasons, phases and observations', () => {
  it('a passing probe: reason ok, phases in order, the raw facts observed', async () => {
    const r = await runProbe({ kind: 'http', url: `${base}/json`, expectJson: { status: 'UP' }, expectHeaders: { 'Content-Type': 'json', 'x-version': '' } });
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.reason, 'ok');
    assert.match(r.detail, /→ 200, header content-type contains "json", header x-version present, status = "UP"$/);
    // An IP literal: no DNS phase.
    assert.equal(r.phases?.dnsMs, undefined);
    assert.equal(r.phases?.tlsMs, undefined);
    ordered(r.phases, ['connectMs', 'firstByteMs', 'totalMs']);
    assert.equal(r.durationMs, r.phases?.totalMs);
    const o = r.observation!;
    assert.equal(o.status, 200);
    assert.equal(o.headers?.['content-type'], 'application/json; charset=utf-8');
    assert.equal(o.headers?.['x-version'], '1.4.2');
    assert.equal(o.headers?.['set-cookie'], M, 'a cookie is a credential: never kept');
    assert.deepEqual(JSON.parse(o.body ?? ''), { status: 'UP', checks: { db: { ok: true } }, items: [{ id: 'a' }] });
    assert.ok(typeof o.latencyMs === 'number' && o.latencyMs >= 0 && o.latencyMs <= r.durationMs);
  });

  it('a name is resolved first: the DNS phase comes before the connect', async () => {
    const r = await runProbe({ kind: 'http', url: `${base.replace('127.0.0.1', 'localhost')}/ok` });
    assert.equal(r.ok, true, r.detail);
    ordered(r.phases, ['dnsMs', 'connectMs', 'firstByteMs', 'totalMs']);
  });

  it('each unmet expectation has its own reason', async () => {
    const status = await runProbe({ kind: 'http', url: `${base}/down` });
    assert.equal(status.reason, 'status');
    assert.equal(status.detail, `GET ${base}/down → 503, expected 200 (body: "maintenance")`);
    assert.equal(status.observation?.status, 503);
    assert.equal(status.observation?.headers?.['retry-after'], '5');
    const header = await runProbe({ kind: 'http', url: `${base}/json`, expectHeaders: { 'x-version': '2.' } });
    assert.equal(header.reason, 'header');
    assert.match(header.detail, /→ 200, but header x-version is "1\.4\.2", expected it to contain "2\."$/);
    const missing = await runProbe({ kind: 'http', url: `${base}/ok`, expectHeaders: { 'x-version': '' } });
    assert.equal(missing.reason, 'header');
    assert.match(missing.detail, /header x-version is missing$/);
    const body = await runProbe({ kind: 'http', url: `${base}/ok`, expectBodyContains: 'healthy' });
    assert.equal(body.reason, 'body');
    const json = await runProbe({ kind: 'http', url: `${base}/json`, expectJson: { 'checks.db.ok': false } });
    assert.equal(json.reason, 'json');
    assert.match(json.detail, /checks\.db\.ok = true, expected false$/);
    const notJson = await runProbe({ kind: 'http', url: `${base}/ok`, expectJson: { a: 1 } });
    assert.equal(notJson.reason, 'json');
    // The server sleeps 300ms before answering; nothing can answer that within 1ms.
    const slow = await runProbe({ kind: 'http', url: `${base}/sleep`, maxLatencyMs: 1 });
    assert.equal(slow.ok, false);
    assert.equal(slow.reason, 'latency');
    assert.match(slow.detail, /→ 200 in \d+ms, expected under 1ms$/);
    const patient = await runProbe({ kind: 'http', url: `${base}/ok`, maxLatencyMs: 60_000 });
    assert.equal(patient.ok, true, patient.detail);
    assert.match(patient.detail, /→ 200, in \d+ms \(under 60000ms\)$/);
    for (const r of [status, header, missing, body, json, notJson, slow]) {
      assert.equal(r.ok, false);
      assert.ok((PROBE_REASONS as readonly string[]).includes(r.reason));
    }
  });

  it('status is checked before the body, the body before JSON, JSON before latency', async () => {
    const r = await runProbe({ kind: 'http', url: `${base}/down`, expectBodyContains: 'nope', expectJson: { a: 1 }, maxLatencyMs: 1 });
    assert.equal(r.reason, 'status');
    const b = await runProbe({ kind: 'http', url: `${base}/sleep`, expectBodyContains: 'nope', maxLatencyMs: 1 });
    assert.equal(b.reason, 'body');
  });

  it('a body past the cap is cut and flagged', async () => {
    const r = await runProbe({ kind: 'http', url: `${base}/big` });
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.observation?.bodyTruncated, true);
    assert.equal(r.observation?.body?.length, 1024 * 1024);
  });

  it('transport failures: refused, timed out (saying in which phase), aborted, invalid', async () => {
    const refused = await runProbe({ kind: 'http', url: `http://127.0.0.1:${closedPort}/health` });
    assert.equal(refused.reason, 'connect_refused');
    assert.equal(refused.detail, `GET http://127.0.0.1:${closedPort}/health → connection refused, expected 200`);
    assert.equal(refused.observation, undefined);
    assert.ok(refused.phases && refused.phases.connectMs === undefined && refused.phases.totalMs >= 0);
    const hang = await runProbe({ kind: 'http', url: `${base}/hang`, timeoutMs: 200 });
    assert.equal(hang.reason, 'timeout');
    assert.match(hang.detail, /→ timeout after 200ms while waiting for the response, expected 200$/);
    assert.ok(hang.phases?.connectMs !== undefined && hang.phases.firstByteMs === undefined, JSON.stringify(hang.phases));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const aborted = await runProbe({ kind: 'http', url: `${base}/hang` }, { signal: ac.signal });
    assert.equal(aborted.reason, 'aborted');
    assert.match(aborted.detail, /→ aborted, expected 200$/);
    const bad = await runProbe({ kind: 'http', url: 'ftp://127.0.0.1/x' });
    assert.equal(bad.reason, 'invalid');
    assert.equal(bad.phases, undefined);
    const badHeader = await runProbe({ kind: 'http', url: `${base}/ok`, headers: { 'x-a': 'line\nbreak' } });
    assert.equal(badHeader.reason, 'invalid');
  });

  it('a name that does not resolve fails with reason dns', async () => {
    const r = await runProbe({ kind: 'http', url: 'http://no-such-host.invalid/health', timeoutMs: 3000 });
    assert.equal(r.ok, false);
    assert.ok(r.reason === 'dns' || r.reason === 'timeout', `${r.reason}: ${r.detail}`);
    if (r.reason === 'dns') assert.match(r.detail, /→ host (not found|lookup failed)/);
  });

  it('opens a fresh connection per probe, so a listener that went away is seen on the next probe', async () => {
    const s = createServer((_req, res) => res.end('up'));
    let connections = 0;
    s.on('connection', () => connections++);
    const url = `http://127.0.0.1:${await listen(s)}/`;
    const first = await runProbe({ kind: 'http', url });
    const second = await runProbe({ kind: 'http', url });
    assert.equal(first.ok && second.ok, true);
    assert.equal(connections, 2, 'one connection per probe, none kept alive');
    await new Promise<void>((res) => s.close(() => res()));
    const third = await runProbe({ kind: 'http', url });
    assert.equal(third.ok, false);
    assert.equal(third.reason, 'connect_refused');
  });

  it('keeps URL credentials out of the detail and the observation', async () => {
    const echo = createServer((req, res) => res.end(`auth=${req.headers.authorization ?? 'none'}`));
    const port = await listen(echo);
    try {
      const r = await runProbe({ kind: 'http', url: `http://ops:pa55word-xyz@127.0.0.1:${port}/`, expectBodyContains: 'nope' });
      assert.equal(r.reason, 'body');
      const leaked = Buffer.from('ops:pa55word-xyz').toString('base64');
      assert.ok(!JSON.stringify(r).includes('pa55word-xyz') && !JSON.stringify(r).includes(leaked), JSON.stringify(r));
      assert.match(r.detail, new RegExp(`GET http://ops:${M}@`));
    } finally {
      await new Promise<void>((res) => echo.close(() => res()));
    }
  });
});
