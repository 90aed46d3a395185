// The example runbooks (written from the seeds' procedures) run end to end against the real demo
// service: the release smoke gate with its "do not announce" path, an image-only rollback that records
// from/to/actor/reason, readiness, a signing-key rotation with a secret passphrase, a safe shutdown,
// and a run killed in the middle of a step and then resumed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LedgerReader } from '@runledger/store';
import { sqliteFactory, tempDir } from '@runledger/testkit';
import { initLedger, openEngine, parseOrThrow, type EngineContext, type LedgerLocation, type Who } from '../src/index.js';

const repo = resolve(import.meta.dirname, '../../..');
const CTL = join(repo, 'examples/demo-service/ctl.sh');
const RB = (name: string): string => join(repo, 'examples/runbooks', `${name}.md`);
const alice: Who = { actor: { kind: 'user', id: 'alice' }, roles: ['operator'] };

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
    s.on('error', rej);
  });
}

function ensureRedis(): void {
  if (spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') return;
  spawnSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no']);
  for (let i = 0; i < 50; i++) {
    if (spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') return;
    spawnSync('sleep', ['0.1']);
  }
  throw new Error('Redis is needed on 127.0.0.1:6379 for the safe-shutdown example and could not be started');
}

describe('example runbooks against the demo service', () => {
  let demoHome = '';
  let port = 0;
  let proxy = 0;
  let loc: LedgerLocation;
  const ctl = (...args: string[]) =>
    spawnSync(CTL, args, { env: { ...process.env, DEMO_HOME: demoHome, DEMO_PORT: String(port), DEMO_ACTOR: 'test' }, encoding: 'utf8' });
  const common = (): Record<string, string> => ({ demo_port: String(port), demo_home: demoHome, demo_ctl: CTL });

  before(async () => {
    await sqliteFactory.setup();
    const f = await sqliteFactory.create();
    loc = { env: { RUNLEDGER_DATABASE_URL: `sqlite:${f.config.kind === 'sqlite' ? f.config.file : ''}` }, home: f.home };
    await initLedger(loc, { origin: 'examples.test/ledger', actor: alice.actor });
    demoHome = tempDir('runledger-demo-');
    [port, proxy] = [await freePort(), await freePort()];
    writeFileSync(join(demoHome, 'env'), `DEMO_AUDIT_DSN=postgres://audit_writer@127.0.0.1:5432/audit\nDEMO_PROXY_PORT=${proxy}\n`);
    const r = ctl('start');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    ensureRedis();
  });
  after(async () => {
    ctl('stop', '--force');
    await sqliteFactory.teardown();
  });

  async function run(name: string, inputs: Record<string, string>, secrets: Record<string, string> = {}, env = 'local') {
    const ctx = await openEngine(loc, { cwd: repo });
    try {
      const source = readFileSync(RB(name), 'utf8');
      const runbook = parseOrThrow(source, RB(name));
      const declared = new Set(runbook.inputs.map((i) => i.name));
      const shared = Object.fromEntries(Object.entries(common()).filter(([k]) => declared.has(k)));
      return await ctx.engine.start({ runbook, source, inputs: { ...shared, ...inputs }, secrets, environment: env, who: alice });
    } finally {
      await ctx.close();
    }
  }

  async function act<T>(fn: (ctx: EngineContext) => Promise<T>): Promise<T> {
    const ctx = await openEngine(loc, { cwd: repo });
    try {
      return await fn(ctx);
    } finally {
      await ctx.close();
    }
  }

  it('release smoke: three checks pass, a release manager approves, the release is announced', async () => {
    const out = await run('release-smoke', { version: '1.0.0', public_url: `http://127.0.0.1:${proxy}` });
    assert.equal(out.model.state, 'waiting_approval', JSON.stringify(out.model.steps));
    assert.deepEqual(
      out.model.steps.filter((s) => s.status === 'succeeded').map((s) => s.id),
      ['service-status', 'public-health', 'backend-health', 'audit-dsn-present'],
    );
    const done = await act((ctx) =>
      ctx.engine.act(
        out.runId,
        { type: 'approve', comment: 'smoke green, notes ready' },
        { actor: { kind: 'user', id: 'bob' }, roles: ['release-manager'] },
        parseOrThrow,
      ),
    );
    assert.equal(done.model.state, 'succeeded');
    assert.match(readFileSync(join(demoHome, 'announcements.log'), 'utf8'), /release 1\.0\.0 announced/);
  });

  it('a bad release fails the smoke gate: not announced (the safe action runs and records it)', async () => {
    assert.equal(ctl('upgrade', '2.0.0-bad', 'release 2.0.0').status, 0);
    const out = await run('release-smoke', { version: '2.0.0', public_url: `http://127.0.0.1:${proxy}` });
    assert.equal(out.model.state, 'rolled_back', out.model.reason);
    assert.match(out.model.reason!, /public-health/);
    assert.equal(out.model.steps.find((s) => s.id === 'announce')!.status, 'pending');
    assert.match(readFileSync(join(demoHome, 'announcements.log'), 'utf8'), /release 2\.0\.0 NOT announced/);
  });

  it('image-only rollback: back to the good version, with from/to/actor/reason in the audit log and the ledger', async () => {
    const out = await run('rollback-image', { from: '2.0.0-bad', to: '1.0.0', reason: 'health-check-failure' });
    assert.equal(out.model.state, 'succeeded', `${out.model.reason} ${JSON.stringify(out.model.steps.map((s) => [s.id, s.status, s.detail]))}`);
    const last = readFileSync(join(demoHome, 'deploy.log'), 'utf8').trimEnd().split('\n').at(-1)!;
    assert.match(last, /\| rollback \| success \| from=2\.0\.0-bad \| to=1\.0\.0 \| actor=alice \| reason=health-check-failure/);
    await act(async (ctx) => {
      const entries = await new LedgerReader(ctx.ledger.store).entries(0, 10_000);
      const started = entries.filter((e) => e.entry.type === 'run.started' && e.entry.subject?.id === out.runId)[0]!;
      assert.deepEqual((started.entry.data as { inputs: Record<string, unknown> }).inputs, {
        from: '2.0.0-bad',
        to: '1.0.0',
        reason: 'health-check-failure',
        mode: 'image-only',
        ...{ demo_port: port, demo_home: demoHome, demo_ctl: CTL },
      });
      assert.equal(started.entry.actor.id, 'alice');
    });
  });

  it('readiness: ready only if every named check passes', async () => {
    const ok = await run('readiness', {});
    assert.equal(ok.model.state, 'succeeded', ok.model.reason);
    ctl('drain');
    const drained = await run('readiness', {});
    assert.notEqual(drained.model.state, 'succeeded');
    assert.equal(drained.model.steps.find((s) => s.id === 'worker')!.status, 'failed');
    assert.equal(ctl('restart').status, 0);
  });

  it('signing-key rotation: a security approver signs off, the passphrase never reaches the ledger', async () => {
    const passphrase = 'correct-horse-battery-staple-42';
    const out = await run('rotate-signing-key', {}, { key_passphrase: passphrase });
    assert.equal(out.model.state, 'waiting_approval', out.model.reason);
    const done = await act((ctx) =>
      ctx.engine.act(
        out.runId,
        { type: 'approve', comment: 'rotation plan RFC-7 approved' },
        { actor: { kind: 'user', id: 'sec' }, roles: ['security'] },
        parseOrThrow,
        { key_passphrase: passphrase },
      ),
    );
    assert.equal(done.model.state, 'succeeded', `${done.model.reason} ${JSON.stringify(done.model.steps.map((s) => [s.id, s.status, s.detail]))}`);
    await act(async (ctx) => {
      const all = (await new LedgerReader(ctx.ledger.store).entries(0, 10_000)).map((e) => Buffer.from(e.bytes).toString()).join('\n');
      assert.ok(!all.includes(passphrase));
      const outputs = JSON.stringify((await ctx.runs.outputs(out.runId)).map((o) => o.data.toString()));
      assert.ok(!outputs.includes(passphrase));
    });
  });

  it('a run killed in the middle of a step is interrupted, then retried to completion', async () => {
    assert.equal(ctl('stop').status, 0);
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        join(import.meta.dirname, 'fixtures', 'run-child.ts'),
        RB('readiness'),
        loc.home!,
        JSON.stringify({ demo_port: String(port), demo_home: demoHome }),
        'local',
      ],
      {
        env: { ...process.env, ...loc.env },
        cwd: repo,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const runId = await new Promise<string>((res, rej) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /STARTED (\S+) alive/.exec(buf);
        if (m) res(m[1]!);
      });
      child.on('exit', (c) => rej(new Error(`child exited ${c}`)));
    });
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(ctl('start').status, 0);
    const done = await act(async (ctx) => {
      assert.deepEqual(await ctx.engine.recover(parseOrThrow), [runId]);
      const live = await ctx.engine.load(runId, parseOrThrow);
      assert.equal(live.model.state, 'interrupted');
      assert.equal(live.model.steps.find((s) => s.id === 'alive')!.status, 'unknown');
      return ctx.engine.act(runId, { type: 'retry' }, { actor: { kind: 'user', id: 'bob' }, roles: ['operator'] }, parseOrThrow);
    });
    assert.equal(done.model.state, 'succeeded', done.model.reason);
    assert.equal(done.model.steps.find((s) => s.id === 'alive')!.attempt, 2);
  });

  it('safe shutdown, in order: stop traffic, stop the apps, save Redis; the service ends down', async () => {
    const out = await run('safe-shutdown', {});
    assert.equal(out.model.state, 'succeeded', `${out.model.reason} ${JSON.stringify(out.model.steps.map((s) => [s.id, s.status, s.detail]))}`);
    const order = out.model.steps.filter((s) => s.status === 'succeeded').map((s) => s.id);
    assert.ok(order.indexOf('stop-traffic') < order.indexOf('stop-apps') && order.indexOf('stop-apps') < order.indexOf('redis-save'), order.join(','));
    assert.equal(ctl('status').status, 3, 'stopped');
    mkdirSync(demoHome, { recursive: true });
  });
});
