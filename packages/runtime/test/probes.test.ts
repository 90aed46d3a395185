// Probes against real peers: a node:http server started here, the PostgreSQL on 127.0.0.1:5432, the
// Redis on 127.0.0.1:6379 (started here if it is not running; the suite fails, never skips, if it
// cannot be reached), open and closed TCP ports, a silent server for timeouts, and shell commands.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runProbe } from '../src/probes/index.js';
import { REDACTION_MARK as M, Redactor } from '../src/redact.js';

const PG = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_PORT = 6379;

let http: HttpServer;
let base = '';
/** Accepts connections and never says a word: every protocol's timeout case. */
let silent: Server;
let silentPort = 0;
const silentSockets = new Set<Socket>();
/** A port nothing listens on (bound once, then released). */
let closedPort = 0;

async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

function redisUp(): boolean {
  try {
    return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(REDIS_PORT), 'ping'], { encoding: 'utf8', timeout: 3000 }).trim() === 'PONG';
  } catch {
    return false;
  }
}

before(async () => {
  if (!redisUp()) {
    execFileSync('redis-server', ['--daemonize', 'yes', '--port', String(REDIS_PORT), '--save', '', '--appendonly', 'no']);
    for (let i = 0; i < 50 && !redisUp(); i++) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(redisUp(), `Redis is not reachable on 127.0.0.1:${REDIS_PORT} and could not be started`);

  http = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/ok') return void res.end('all good');
    if (url.pathname === '/ready') {
      const ready = url.searchParams.get('db') !== 'down';
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({ ready, checks: { database: { ok: ready, detail: ready ? 'connected' : 'connection refused' } }, items: [{ id: 'a' }] }),
      );
    }
    if (url.pathname === '/redirect') {
      res.writeHead(307, { location: '/ok' });
      return void res.end();
    }
    if (url.pathname === '/slow') return void setTimeout(() => res.end('late'), 2000);
    if (url.pathname === '/echo-auth') return void res.end(req.headers.authorization ?? 'none');
    if (url.pathname === '/post' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      return void req.on('end', () => res.end(`got ${body}`));
    }
    if (url.pathname === '/leak') return void res.writeHead(500).end('error: token tok_live_abcdef123456 rejected');
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((res) => http.listen(0, '127.0.0.1', res));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  silent = createTcpServer((s) => {
    silentSockets.add(s);
    s.on('close', () => silentSockets.delete(s));
  });
  await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
  silentPort = (silent.address() as AddressInfo).port;
  closedPort = await freePort();
});

after(async () => {
  http.closeAllConnections();
  await new Promise<void>((res) => http.close(() => res()));
  for (const s of silentSockets) s.destroy();
  await new Promise<void>((res) => silent.close(() => res()));
});

describe('http probe', () => {
  it('passes on the expected status, body text and JSON paths', async () => {
    const r = await runProbe({ kind: 'http', url: `${base}/ok`, expectBodyContains: 'good' });
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.detail, `GET ${base}/ok → 200, body contains "good"`);
    assert.ok(r.durationMs >= 0);
    const j = await runProbe({ kind: 'http', url: `${base}/ready`, expectJson: { ready: true, 'checks.database.ok': true, 'items.0.id': 'a' } });
    assert.equal(j.ok, true, j.detail);
    assert.match(j.detail, /ready = true, checks\.database\.ok = true/);
    const redirect = await runProbe({ kind: 'http', url: `${base}/redirect`, expectStatus: [200, 307] });
    assert.equal(redirect.ok, true, redirect.detail);
    assert.match(redirect.detail, /→ 307$/);
    const post = await runProbe({ kind: 'http', method: 'post', url: `${base}/post`, body: 'ping', expectBodyContains: 'got ping' });
    assert.equal(post.ok, true, post.detail);
  });

  it('fails with what was seen and what was expected', async () => {
    const r = await runProbe({ kind: 'http', url: `${base}/ready?db=down` });
    assert.equal(r.ok, false);
    assert.match(r.detail, new RegExp(`^GET ${base}/ready\\?db=down → 503, expected 200 \\(body: .*connection refused.*\\)$`));
    const status = await runProbe({ kind: 'http', url: `${base}/ok`, expectStatus: [204, 205] });
    assert.match(status.detail, /→ 200, expected 204 or 205/);
    const body = await runProbe({ kind: 'http', url: `${base}/ok`, expectBodyContains: 'healthy' });
    assert.equal(body.ok, false);
    assert.match(body.detail, /→ 200, but the body lacks "healthy"/);
    const json = await runProbe({ kind: 'http', url: `${base}/ready?db=down`, expectStatus: [503], expectJson: { 'checks.database.ok': true } });
    assert.equal(json.ok, false);
    assert.match(json.detail, /→ 503, but checks\.database\.ok = false, expected true/);
    const missing = await runProbe({ kind: 'http', url: `${base}/ready`, expectJson: { 'checks.worker.ok': true } });
    assert.match(missing.detail, /checks\.worker\.ok is missing/);
    const notJson = await runProbe({ kind: 'http', url: `${base}/ok`, expectJson: { a: 1 } });
    assert.match(notJson.detail, /body is not JSON/);
  });

  it('reports connection refused and timeouts without throwing', async () => {
    const refused = await runProbe({ kind: 'http', url: `http://127.0.0.1:${closedPort}/health` });
    assert.equal(refused.ok, false);
    assert.equal(refused.detail, `GET http://127.0.0.1:${closedPort}/health → connection refused, expected 200`);
    const slow = await runProbe({ kind: 'http', url: `${base}/slow`, timeoutMs: 300 });
    assert.equal(slow.ok, false);
    assert.match(slow.detail, /→ timeout after 300ms while waiting for the response, expected 200$/);
    assert.ok(slow.durationMs < 1500, String(slow.durationMs));
    const bad = await runProbe({ kind: 'http', url: 'not a url' });
    assert.equal(bad.ok, false);
    assert.match(bad.detail, /not a valid URL/);
  });

  it('sends URL credentials as Basic auth and never shows the password', async () => {
    const r = await runProbe({ kind: 'http', url: `http://ops:pa55word-xyz@${base.slice(7)}/echo-auth`, expectBodyContains: 'Basic ' });
    assert.equal(r.ok, true, r.detail);
    assert.ok(!r.detail.includes('pa55word-xyz'), r.detail);
    assert.match(r.detail, new RegExp(`GET http://ops:${M}@`));
    // The body echoes the credentials base64-encoded: redacted too.
    const echoed = await runProbe({ kind: 'http', url: `http://ops:pa55word-xyz@${base.slice(7)}/echo-auth`, expectBodyContains: 'nope' });
    assert.ok(!echoed.detail.includes(Buffer.from('ops:pa55word-xyz').toString('base64')), echoed.detail);
  });

  it("redacts the caller's secrets from the detail", async () => {
    const r = await runProbe({ kind: 'http', url: `${base}/leak` }, { redactor: new Redactor(['tok_live_abcdef123456']) });
    assert.equal(r.ok, false);
    assert.ok(!r.detail.includes('tok_live_abcdef123456'), r.detail);
    assert.match(r.detail, new RegExp(`token ${M} rejected`));
  });

  it('answers "aborted" when the caller aborts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await runProbe({ kind: 'http', url: `${base}/slow` }, { signal: ac.signal });
    assert.equal(r.ok, false);
    assert.match(r.detail, /→ aborted/);
  });
});

describe('tcp probe', () => {
  it('connects to an open port', async () => {
    const r = await runProbe({ kind: 'tcp', host: '127.0.0.1', port: Number(new URL(base).port) });
    assert.equal(r.ok, true, r.detail);
    assert.match(r.detail, /^tcp 127\.0\.0\.1:\d+ → connected in \d+ms$/);
  });

  it('fails on a closed port and on a bad port', async () => {
    const r = await runProbe({ kind: 'tcp', host: '127.0.0.1', port: closedPort });
    assert.equal(r.ok, false);
    assert.equal(r.detail, `tcp 127.0.0.1:${closedPort} → connection refused, expected a connection`);
    const bad = await runProbe({ kind: 'tcp', host: '127.0.0.1', port: 70000 });
    assert.equal(bad.ok, false);
    assert.match(bad.detail, /not a valid port/);
    const unknown = await runProbe({ kind: 'tcp', host: 'no-such-host.invalid', port: 80, timeoutMs: 3000 });
    assert.equal(unknown.ok, false);
    assert.match(unknown.detail, /host not found|host lookup failed|timeout/);
  });
});

describe('postgres probe (real PostgreSQL on 127.0.0.1:5432)', () => {
  it('runs SELECT 1 by default, or the given query', async () => {
    const r = await runProbe({ kind: 'postgres', url: PG });
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.detail, `postgres ${PG}: SELECT 1 → 1 row, first "1"`);
    const q = await runProbe({ kind: 'postgres', url: PG, query: "SELECT current_database() AS db, 'x' AS y" });
    assert.equal(q.ok, true, q.detail);
    assert.match(q.detail, /→ 1 row, first "postgres"$/);
  });

  it('fails on a bad query with the SQLSTATE', async () => {
    const r = await runProbe({ kind: 'postgres', url: PG, query: 'SELECT * FROM no_such_table_runledger' });
    assert.equal(r.ok, false);
    assert.match(r.detail, /→ error 42P01: relation "no_such_table_runledger" does not exist$/);
  });

  it('fails on a wrong port and never shows the DSN password', async () => {
    const url = `postgres://postgres:Sup3r-s3cret-pw@127.0.0.1:${closedPort}/postgres`;
    const r = await runProbe({ kind: 'postgres', url });
    assert.equal(r.ok, false);
    assert.ok(!r.detail.includes('Sup3r-s3cret-pw'), r.detail);
    assert.equal(r.detail, `postgres postgres://postgres:${M}@127.0.0.1:${closedPort}/postgres: SELECT 1 → connection refused`);
    // Trust auth accepts any password: a passing check must not show it either.
    const ok = await runProbe({ kind: 'postgres', url: 'postgres://postgres:an0ther-pw%21@127.0.0.1:5432/postgres?sslmode=disable' });
    assert.equal(ok.ok, true, ok.detail);
    assert.ok(!ok.detail.includes('an0ther-pw'), ok.detail);
  });

  it('times out against a server that never answers', async () => {
    const r = await runProbe({ kind: 'postgres', url: `postgres://postgres@127.0.0.1:${silentPort}/postgres`, timeoutMs: 300 });
    assert.equal(r.ok, false);
    assert.match(r.detail, /→ timeout after 300ms while connecting$/);
    assert.ok(r.durationMs < 2000, String(r.durationMs));
  });
});

describe('redis probe (real Redis on 127.0.0.1:6379)', () => {
  it('PING answers PONG', async () => {
    const r = await runProbe({ kind: 'redis', host: '127.0.0.1', port: REDIS_PORT });
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.detail, `redis 127.0.0.1:${REDIS_PORT} PING → "PONG"`);
  });

  it('runs a command and checks the reply (whole, or one line of it)', async () => {
    const key = `runledger:probe:${process.pid}`;
    assert.equal(
      (await runProbe({ kind: 'redis', host: '127.0.0.1', port: REDIS_PORT, command: `SET ${key} "hello world" EX 60`, expectReply: 'OK' })).ok,
      true,
    );
    const get = await runProbe({ kind: 'redis', host: '127.0.0.1', port: REDIS_PORT, command: `GET ${key}`, expectReply: 'hello world' });
    assert.equal(get.ok, true, get.detail);
    const wrong = await runProbe({ kind: 'redis', host: '127.0.0.1', port: REDIS_PORT, command: `GET ${key}`, expectReply: 'bye' });
    assert.equal(wrong.ok, false);
    assert.equal(wrong.detail, `redis 127.0.0.1:${REDIS_PORT} GET ${key} → "hello world", expected "bye"`);
    const info = await runProbe({ kind: 'redis', host: '127.0.0.1', port: REDIS_PORT, command: 'INFO replication', expectReply: 'role:master' });
    assert.equal(info.ok, true, info.detail);
    assert.match(info.detail, /INFO replication → \d+ bytes with a line "role:master"$/);
    const nil = await runProbe({ kind: 'redis', host: '127.0.0.1', port: REDIS_PORT, command: `GET ${key}:missing`, expectReply: 'x' });
    assert.match(nil.detail, /→ "\(nil\)", expected "x"$/);
    const anyReply = await runProbe({ kind: 'redis', host: '127.0.0.1', port: REDIS_PORT, command: `DEL ${key}` });
    assert.equal(anyReply.ok, true, anyReply.detail);
    assert.match(anyReply.detail, /DEL .* → "1"$/);
  });

  it('fails on an error reply, a closed port and a silent server', async () => {
    const err = await runProbe({ kind: 'redis', host: '127.0.0.1', port: REDIS_PORT, command: 'NOSUCHCOMMAND x' });
    assert.equal(err.ok, false);
    assert.match(err.detail, /→ error "ERR unknown command/);
    const closed = await runProbe({ kind: 'redis', host: '127.0.0.1', port: closedPort });
    assert.equal(closed.ok, false);
    assert.equal(closed.detail, `redis 127.0.0.1:${closedPort} PING → connection refused, expected "PONG"`);
    const silentR = await runProbe({ kind: 'redis', host: '127.0.0.1', port: silentPort, timeoutMs: 300 });
    assert.equal(silentR.ok, false);
    assert.match(silentR.detail, /PING → timeout after 300ms while waiting for the reply, expected "PONG"$/);
    const auth = await runProbe({ kind: 'redis', host: '127.0.0.1', port: REDIS_PORT, command: 'AUTH hunter2' });
    assert.ok(!auth.detail.includes('hunter2'), auth.detail);
  });
});

describe('command probe', () => {
  it('passes on exit 0 and the expected stdout', async () => {
    const r = await runProbe({ kind: 'command', run: 'echo "status: $STATE"', expectStdoutContains: 'status: green' }, { env: { STATE: 'green' } });
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.detail, 'command "echo \\"status: $STATE\\"" → exit 0, stdout contains "status: green"');
    const three = await runProbe({ kind: 'command', run: 'exit 3', expectExit: 3 });
    assert.equal(three.ok, true, three.detail);
  });

  it('fails with the exit code and the last line it wrote', async () => {
    const r = await runProbe({ kind: 'command', run: 'echo checking; echo "pg_isready: no response" >&2; exit 2' });
    assert.equal(r.ok, false);
    assert.equal(
      r.detail,
      'command "echo checking; echo \\"pg_isready: no response\\" >&2; exit 2" → exit 2, expected exit 0 (stderr: "pg_isready: no response")',
    );
    const out = await runProbe({ kind: 'command', run: 'echo red', expectStdoutContains: 'green' });
    assert.equal(out.ok, false);
    assert.match(out.detail, /→ exit 0, but stdout lacks "green" \(stdout: "red"\)$/);
  });

  it('times out, killing the process group, and redacts secrets the command prints', async () => {
    const r = await runProbe({ kind: 'command', run: 'sleep 100 & sleep 100', timeoutMs: 200 });
    assert.equal(r.ok, false);
    assert.match(r.detail, /→ timeout after 200ms \(process group killed\), expected exit 0$/);
    const secret = 'db-pass-0123456789';
    const leak = await runProbe(
      { kind: 'command', run: 'echo "cannot connect with $PW" >&2; exit 1' },
      { env: { PW: secret }, redactor: new Redactor([secret]) },
    );
    assert.equal(leak.ok, false);
    assert.ok(!leak.detail.includes(secret), leak.detail);
    assert.match(leak.detail, new RegExp(`cannot connect with ${M}`));
  });

  it('answers ok:false for an unknown kind instead of throwing', async () => {
    const r = await runProbe({ kind: 'smtp' } as never);
    assert.equal(r.ok, false);
    assert.match(r.detail, /unknown probe kind "smtp"/);
  });
});
