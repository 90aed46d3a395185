// Reasons, phases and observations of the TCP, Redis, PostgreSQL, DNS and command probes, against real
// peers: the PostgreSQL on 127.0.0.1:5432 (trust auth), the Redis on 127.0.0.1:6379 (started by
// probes.test.ts's setup if needed; started here too), a closed port, a silent listener, `localhost`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PROBE_REASONS, type ProbeResult } from '@runledger/core';
import { runProbe } from '../src/probes/index.js';

const PG = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_PORT = 6379;

let closedPort = 0;
let silent: Server;
let silentPort = 0;
const held = new Set<Socket>();

function redisUp(): boolean {
  try {
    return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(REDIS_PORT), 'ping'], { encoding: 'utf8', timeout: 3000 }).trim() === 'PONG';
  } catch {
    return false;
  }
}

async function listen(s: Server): Promise<number> {
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  return (s.address() as AddressInfo).port;
}

function known(r: ProbeResult): void {
  assert.ok((PROBE_REASONS as readonly string[]).includes(r.reason), r.reason);
  assert.equal(r.ok, r.reason === 'ok', `${r.reason}: ${r.detail}`);
}

before(async () => {
  if (!redisUp()) {
    execFileSync('redis-server', ['--daemonize', 'yes', '--port', String(REDIS_PORT), '--save', '', '--appendonly', 'no']);
    for (let i = 0; i < 50 && !redisUp(); i++) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(redisUp(), `Redis is not reachable on 127.0.0.1:${REDIS_PORT} and could not be started`);
  const c = createServer();
  closedPort = await listen(c);
  await new Promise<void>((res) => c.close(() => res()));
  silent = createServer((s) => {
    held.add(s);
    s.on('close', () => held.delete(s));
  });
  silentPort = await listen(silent);
});

after(async () => {
  for (const s of held) s.destroy();
  await new Promise<void>((res) => silent.close(() => res()));
});

describe('tcp probe', () => {
  it('connects (phases: connect ≤ total), is refused on a closed port, names its phase on timeout', async () => {
    const ok = await runProbe({ kind: 'tcp', host: 'localhost', port: silentPort });
    assert.equal(ok.reason, 'ok', ok.detail);
    const p = ok.phases!;
    assert.ok(p.dnsMs !== undefined && p.connectMs !== undefined && 0 <= p.dnsMs && p.dnsMs <= p.connectMs && p.connectMs <= p.totalMs, JSON.stringify(p));
    assert.ok(typeof ok.observation?.latencyMs === 'number');
    const refused = await runProbe({ kind: 'tcp', host: '127.0.0.1', port: closedPort });
    assert.equal(refused.reason, 'connect_refused');
    assert.equal(refused.detail, `tcp 127.0.0.1:${closedPort} → connection refused, expected a connection`);
    const bad = await runProbe({ kind: 'tcp', host: '127.0.0.1', port: 0 });
    assert.equal(bad.reason, 'invalid');
    for (const r of [ok, refused, bad]) known(r);
  });
});

describe('redis probe', () => {
  it('PING: reason ok, the reply observed, phases in order', async () => {
    const r = await runProbe({ kind: 'redis', host: '127.0.0.1', port: REDIS_PORT });
    assert.equal(r.reason, 'ok', r.detail);
    assert.equal(r.observation?.reply, 'PONG');
    const p = r.phases!;
    assert.ok(p.connectMs !== undefined && p.firstByteMs !== undefined && p.connectMs <= p.firstByteMs && p.firstByteMs <= p.totalMs, JSON.stringify(p));
  });

  it('a wrong or error reply is `result`, a refused port `connect_refused`, a silent one `timeout`', async () => {
    const wrong = await runProbe({ kind: 'redis', host: '127.0.0.1', port: REDIS_PORT, command: 'ECHO hello', expectReply: 'bye' });
    assert.equal(wrong.reason, 'result');
    assert.equal(wrong.observation?.reply, 'hello');
    const err = await runProbe({ kind: 'redis', host: '127.0.0.1', port: REDIS_PORT, command: 'NOSUCHCOMMAND' });
    assert.equal(err.reason, 'result');
    const refused = await runProbe({ kind: 'redis', host: '127.0.0.1', port: closedPort });
    assert.equal(refused.reason, 'connect_refused');
    const quiet = await runProbe({ kind: 'redis', host: '127.0.0.1', port: silentPort, timeoutMs: 200 });
    assert.equal(quiet.reason, 'timeout');
    assert.match(quiet.detail, /→ timeout after 200ms while waiting for the reply, expected "PONG"$/);
    for (const r of [wrong, err, refused, quiet]) known(r);
  });

  it('a peer that is not Redis is a protocol failure', async () => {
    // Reads (so it sees the client's FIN and closes), answers like a web server would.
    const http = createServer((s) => s.resume().end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const port = await listen(http);
    try {
      const r = await runProbe({ kind: 'redis', host: '127.0.0.1', port });
      assert.equal(r.reason, 'protocol', r.detail);
      assert.match(r.detail, /not a RESP reply/);
    } finally {
      await new Promise<void>((res) => http.close(() => res()));
    }
  });
});

describe('postgres probe', () => {
  it('observes the first row as text and checks expectValue (e.g. a server version or migration head)', async () => {
    const version = execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-Atc', "SELECT current_setting('server_version_num')"], {
      encoding: 'utf8',
    }).trim();
    const query = "SELECT current_setting('server_version_num') AS v, NULL::text AS n, 42 AS i";
    const r = await runProbe({ kind: 'postgres', url: PG, query, expectValue: version });
    assert.equal(r.reason, 'ok', r.detail);
    assert.deepEqual(r.observation?.rows, [version, null, '42']);
    assert.equal(r.observation?.rowCount, 1);
    const p = r.phases!;
    assert.ok(p.connectMs !== undefined && p.connectMs <= p.totalMs, JSON.stringify(p));
    const head = await runProbe({ kind: 'postgres', url: PG, query, expectValue: '1' });
    assert.equal(head.ok, false);
    assert.equal(head.reason, 'result');
    assert.match(head.detail, new RegExp(`^postgres ${PG}: SELECT .* → first value "${version}", expected "1"$`));
    const none = await runProbe({ kind: 'postgres', url: PG, query: 'SELECT 1 WHERE false', expectValue: '1' });
    assert.equal(none.reason, 'result');
    assert.deepEqual(none.observation?.rows, []);
    assert.match(none.detail, /→ 0 rows, expected a row with "1"$/);
  });

  it('a query error is `result`, a refused port `connect_refused`, a silent server `timeout` while connecting', async () => {
    const missing = await runProbe({ kind: 'postgres', url: PG, query: 'SELECT * FROM no_such_table_runledger' });
    assert.equal(missing.reason, 'result');
    const refused = await runProbe({ kind: 'postgres', url: `postgres://postgres@127.0.0.1:${closedPort}/postgres` });
    assert.equal(refused.reason, 'connect_refused');
    const quiet = await runProbe({ kind: 'postgres', url: `postgres://postgres@127.0.0.1:${silentPort}/postgres`, timeoutMs: 200 });
    assert.equal(quiet.reason, 'timeout');
    assert.match(quiet.detail, /→ timeout after 200ms while connecting$/);
    for (const r of [missing, refused, quiet]) known(r);
  });
});

describe('dns probe', () => {
  it('resolves localhost through the system resolver, with the addresses observed', async () => {
    const r = await runProbe({ kind: 'dns', name: 'localhost' });
    assert.equal(r.reason, 'ok', r.detail);
    const addrs = r.observation?.addresses ?? [];
    assert.ok(addrs.includes('127.0.0.1') || addrs.includes('::1'), addrs.join(', '));
    assert.match(r.detail, /^dns localhost ANY → /);
    assert.ok(r.phases?.dnsMs !== undefined && r.phases.dnsMs <= r.phases.totalMs);
    const expected = await runProbe({ kind: 'dns', name: 'localhost', expect: [addrs[0]!] });
    assert.equal(expected.ok, true, expected.detail);
  });

  it('an unexpected answer is `result`; a name that does not exist is `dns`', async () => {
    const other = await runProbe({ kind: 'dns', name: 'localhost', expect: ['192.0.2.7'] });
    assert.equal(other.reason, 'result');
    assert.match(other.detail, /expected 192\.0\.2\.7 among them$/);
    const none = await runProbe({ kind: 'dns', name: 'no-such-host.invalid', timeoutMs: 3000 });
    assert.ok(none.reason === 'dns' || none.reason === 'timeout', `${none.reason}: ${none.detail}`);
    const empty = await runProbe({ kind: 'dns', name: ' ' });
    assert.equal(empty.reason, 'invalid');
    for (const r of [other, none, empty]) known(r);
  });
});

describe('command probe', () => {
  it('exit code and output are observed; each expectation has its reason', async () => {
    const ok = await runProbe({ kind: 'command', run: 'echo migrated: 42', expectStdoutContains: 'migrated' });
    assert.equal(ok.reason, 'ok', ok.detail);
    assert.equal(ok.observation?.exit, 0);
    assert.equal(ok.observation?.output, 'migrated: 42\n');
    assert.deepEqual(Object.keys(ok.phases ?? {}), ['totalMs']);
    const exit = await runProbe({ kind: 'command', run: 'exit 3' });
    assert.equal(exit.reason, 'exit');
    assert.equal(exit.observation?.exit, 3);
    const output = await runProbe({ kind: 'command', run: 'echo red', expectStdoutContains: 'green' });
    assert.equal(output.reason, 'output');
    const slow = await runProbe({ kind: 'command', run: 'sleep 5', timeoutMs: 100 });
    assert.equal(slow.reason, 'timeout');
    for (const r of [ok, exit, output, slow]) known(r);
  });

  it('an unknown kind is `invalid`, never a throw', async () => {
    const r = await runProbe({ kind: 'smtp' } as never);
    assert.equal(r.reason, 'invalid');
    known(r);
  });
});
