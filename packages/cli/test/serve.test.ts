// `runledger tokens` and `runledger serve`: tokens printed once and recorded in the ledger; the server
// as a real process — startup log with version, migration head and ledger head; a run that waited for
// approval before the server started is approved through the API and finishes; SIGTERM exits 0.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { MIGRATION_HEAD } from '@runledger/store';
import { cliRunner } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'runledger-servecli-'));
const home = join(root, 'data');
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const rl = cliRunner(root, home);

const GATED = join(root, 'gated.md');
writeFileSync(
  GATED,
  '---\nid: gated\ntitle: Gated\n---\n\n# Gated\n\n## Procedure\n\n```approve {#ok-to-go}\nShip it?\n```\n\n```sh {#ship}\necho shipped\n```\n',
);

describe('runledger tokens and serve', () => {
  let bob = '';

  it('tokens create prints the token once; list never shows it; revoke; every change is in the ledger', async () => {
    assert.equal((await rl({}, 'init', '--origin', 'servecli.test/x')).code, 0);
    const c = await rl({}, 'tokens', 'create', '--name', 'bob', '--role', 'approver');
    assert.equal(c.code, 0, c.err);
    bob = c.out.trim();
    assert.match(bob, /^rlt_[A-Za-z0-9_-]{43}$/);
    assert.match(c.err, /shown once/);
    assert.equal((await rl({}, 'tokens', 'create', '--name', 'bob', '--role', 'viewer')).code, 6, 'TOKEN_NAME_TAKEN is a conflict');
    assert.equal((await rl({}, 'tokens', 'create', '--name', 'x', '--role', 'root')).code, 2);
    const t = await rl({}, 'tokens', 'create', '--name', 'temp', '--role', 'viewer');
    const list = await rl({}, 'tokens', 'list');
    assert.match(list.out, /bob\s+approver/);
    assert.ok(!list.out.includes(bob) && !list.out.includes(t.out.trim()), 'list never prints a token');
    const rev = await rl({}, 'tokens', 'revoke', 'temp');
    assert.equal(rev.code, 0, rev.err);
    assert.equal((await rl({}, 'tokens', 'revoke', 'nobody')).code, 5);
    const json = (await rl({}, 'tokens', 'list', '--json')).out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; revokedAt: string | null });
    assert.deepEqual(
      json.map((x) => `${x.name}:${x.revokedAt === null}`),
      ['bob:true', 'temp:false'],
    );
    const ledger = (await rl({}, 'ledger', 'show', '--json')).out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; actor: { id: string }; subject?: { id: string } });
    assert.deepEqual(
      ledger.filter((e) => e.type.startsWith('auth.token.')).map((e) => `${e.type}:${e.subject?.id}:${e.actor.id}`),
      ['auth.token.created:token:bob:alice', 'auth.token.created:token:temp:alice', 'auth.token.revoked:token:temp:alice'],
    );
    // The table names a token once: its id already carries the kind (never token:token:bob).
    const table = (await rl({}, 'ledger', 'show')).out;
    assert.match(table, /auth\.token\.created\s+user:alice\s+token:bob\s/);
    assert.ok(!table.includes('token:token:'), table);
  });

  it('serve: startup log, a run waiting from before the start is approved through the API and finishes, SIGTERM exits 0', async () => {
    for (const [env, args] of [
      [{}, ['--trust-proxy', '10.0.0.0/33']],
      [{}, ['--trust-proxy', 'proxy.internal']],
      [{ RUNLEDGER_TRUST_PROXY: '10.0.0.1,nope' }, []],
    ] as const) {
      const bad = await rl(env, 'serve', '--port', '0', ...args);
      assert.equal(bad.code, 2, bad.err);
      assert.match(bad.err, args.length ? /--trust-proxy/ : /RUNLEDGER_TRUST_PROXY/);
    }
    const run = await rl({}, 'run', GATED);
    assert.equal(run.code, 4, run.err);
    const runId = /run (\S+) waiting_approval/.exec(run.out)![1]!;

    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./fixtures/cli-child.ts', import.meta.url)),
        'serve',
        '--port',
        '0',
        '--trust-proxy',
        '127.0.0.1/32,::1',
      ],
      {
        env: { ...process.env, RUNLEDGER_HOME: home, RUNLEDGER_DATABASE_URL: '', RUNLEDGER_LEDGER_DATABASE_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    let base: string | undefined;
    while (!base) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `serve did not start:\n${out}\n${err}`);
      base = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (!base) await new Promise((r) => setTimeout(r, 50));
    }
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    const start = lines.find((l) => l.msg === 'runledger serve starting')!;
    assert.equal(start.version, '0.1.0');
    assert.equal(start.migrationHead, MIGRATION_HEAD);
    assert.equal(start.ledger.origin, 'servecli.test/x');
    assert.ok(start.ledger.size > 0);
    assert.deepEqual(start.trustProxy, ['127.0.0.1/32', '::1']);

    // `tokens revoke` in another process: the server refuses the token's very next request and ends its open event stream.
    const watcher = (await rl({}, 'tokens', 'create', '--name', 'watcher', '--role', 'viewer')).out.trim();
    const asWatcher = { authorization: `Bearer ${watcher}` };
    assert.equal((await fetch(`${base}/api/v1/runs`, { headers: asWatcher })).status, 200);
    const stream = await fetch(`${base}/api/v1/runs/${runId}/events`, { headers: asWatcher });
    assert.equal(stream.status, 200);
    const streamed = stream.text();
    assert.equal((await rl({}, 'tokens', 'revoke', 'watcher')).code, 0);
    assert.equal((await fetch(`${base}/api/v1/runs`, { headers: asWatcher })).status, 401);
    assert.match(await streamed, /: credentials revoked, signed out or expired\n\n$/);

    assert.equal((await fetch(`${base}/ready`)).status, 200);
    const auth = { authorization: `Bearer ${bob}`, 'content-type': 'application/json' };
    const approve = await fetch(`${base}/api/v1/runs/${runId}/approve`, {
      method: 'POST',
      headers: { ...auth, 'x-request-id': 'approve-1' },
      body: JSON.stringify({ comment: 'looks good' }),
    });
    assert.ok(approve.status === 200 || approve.status === 202, await approve.text());
    assert.equal(approve.headers.get('x-request-id'), 'approve-1');
    let state = '';
    while (state !== 'succeeded') {
      assert.ok(Date.now() < deadline, `run stuck in ${state}`);
      state = ((await (await fetch(`${base}/api/v1/runs/${runId}`, { headers: auth })).json()) as { state: string }).state;
      if (state !== 'succeeded') await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
    assert.match(out, /"msg":"stopping: no new work; draining"/);
    assert.match(out, /"msg":"stopped"/);
    assert.match(out, /"reqId":"approve-1"/);
    assert.ok(!out.includes(bob), 'the token never reaches the log');
  });
});
