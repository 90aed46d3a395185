// The release runbooks written from seeds 000 and 003 run end to end against the real demo service, with
// the inputs a release driver hands them (releaseInputs / rollbackInputs, filtered to what each runbook
// declares): a rolling upgrade with an additive migration and its image-only rollback; a destructive one,
// where image-only leaves the service not ready and rollback-schema downgrades to an explicit revision;
// the post-rollback checks passing after a rollback and failing on a broken service; the staging drill.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRelease, releaseInputs, rollbackInputs, type Release, type ReleaseSpec, type RollbackPlan } from '@runledger/core';
import { sqliteFactory, tempDir } from '@runledger/testkit';
import { initLedger, openEngine, parseOrThrow, type LedgerLocation, type Who } from '../src/index.js';

const repo = resolve(import.meta.dirname, '../../..');
const CTL = join(repo, 'examples/demo-service/ctl.sh');
const RB = (name: string): string => join(repo, 'examples/runbooks', `${name}.md`);
const alice: Who = { actor: { kind: 'user', id: 'alice' }, roles: ['operator'] };
const bob: Who = { actor: { kind: 'user', id: 'bob' }, roles: ['sre'] };
const DIGEST = (c: string): string => `sha256:${c.repeat(64)}`;

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

function release(id: string, version: string, migration?: ReleaseSpec['migration']): Release {
  const spec: ReleaseSpec = {
    id,
    service: 'demo',
    env: 'local',
    version,
    artifact: { ref: `registry.example/demo:${version}`, digest: DIGEST('a') },
    manifestDigest: DIGEST('b'),
    ...(migration ? { migration } : {}),
    requestedBy: 'alice',
    gates: { runbooks: ['release-smoke'] },
    runbooks: { deploy: 'upgrade-rolling', rollback: 'rollback-image' },
  };
  const fact = createRelease(spec, '2026-12-01T00:00:00Z').facts[0];
  assert.ok(fact?.type === 'release.created');
  return fact.release;
}

function plan(from: Release, to: Release, mode: RollbackPlan['mode'], reason: string, revision?: string): RollbackPlan {
  return {
    from: from.id,
    fromVersion: from.version,
    to: to.id,
    toVersion: to.version,
    toArtifact: to.artifact,
    mode,
    ...(revision !== undefined ? { revision } : {}),
    actor: 'alice',
    reason,
  };
}

describe('release runbooks (seeds 000 and 003) against the demo service', () => {
  let demoHome = '';
  let port = 0;
  let loc: LedgerLocation;
  const ctl = (...args: string[]) =>
    spawnSync(CTL, args, { env: { ...process.env, DEMO_HOME: demoHome, DEMO_PORT: String(port), DEMO_ACTOR: 'test' }, encoding: 'utf8' });
  // A fresh connection each time (agent: false): a pooled socket may belong to a process an upgrade ended.
  const get = (path: string): Promise<{ status: number; json: Record<string, unknown> }> =>
    new Promise((res, rej) => {
      httpGet({ host: '127.0.0.1', port, path, agent: false }, (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (body += c));
        r.on('end', () => res({ status: r.statusCode ?? 0, json: JSON.parse(body) as Record<string, unknown> }));
      }).on('error', rej);
    });
  const head = (): string => ctl('schema', 'head').stdout.trim();
  const deployLines = (): number => readFileSync(join(demoHome, 'deploy.log'), 'utf8').trimEnd().split('\n').length;
  const lastLine = (file: string): string => readFileSync(join(demoHome, file), 'utf8').trimEnd().split('\n').at(-1)!;

  before(async () => {
    await sqliteFactory.setup();
    const f = await sqliteFactory.create();
    loc = { env: { RUNLEDGER_DATABASE_URL: `sqlite:${f.config.kind === 'sqlite' ? f.config.file : ''}` }, home: f.home };
    await initLedger(loc, { origin: 'release-runbooks.test/ledger', actor: alice.actor });
    demoHome = tempDir('runledger-demo-');
    port = await freePort();
    // A staging service (the drill checks), in compliance mode (the post-rollback checks read it).
    writeFileSync(join(demoHome, 'env'), 'DEMO_AUDIT_DSN=postgres://audit_writer@127.0.0.1:5432/audit\nDEMO_ENV=staging\nDEMO_COMPLIANCE_MODE=1\n');
    const r = ctl('start');
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
  after(async () => {
    ctl('stop', '--force');
    await sqliteFactory.teardown();
  });

  /** Starts a run as the driver does: only the inputs the runbook declares, plus the demo settings. */
  async function run(name: string, given: Record<string, string>, env = 'local') {
    const ctx = await openEngine(loc, { cwd: repo });
    try {
      const source = readFileSync(RB(name), 'utf8');
      const runbook = parseOrThrow(source, RB(name));
      const declared = new Set(runbook.inputs.map((i) => i.name));
      const all = { ...given, demo_port: String(port), demo_home: demoHome, demo_ctl: CTL };
      const inputs = Object.fromEntries(Object.entries(all).filter(([k]) => declared.has(k)));
      return await ctx.engine.start({ runbook, source, inputs, secrets: {}, environment: env, who: alice });
    } finally {
      await ctx.close();
    }
  }

  async function approve(runId: string, who: Who) {
    const ctx = await openEngine(loc, { cwd: repo });
    try {
      return await ctx.engine.act(runId, { type: 'approve', comment: 'downgrade plan read' }, who, parseOrThrow);
    } finally {
      await ctx.close();
    }
  }

  const steps = (out: { model: { steps: readonly { id: string; status: string; detail?: string }[] } }): string =>
    JSON.stringify(out.model.steps.map((s) => [s.id, s.status, s.detail]));

  const r100 = release('rel-100', '1.0.0');
  const r110 = release('rel-110', '1.1.0', { id: '0004_add_column', kind: 'additive', revision: '0004_add_column' });
  const r200 = release('rel-200', '2.0.0', { id: '0005_drop_legacy', kind: 'destructive', revision: '0005_drop_legacy' });
  const reason = 'gate release-smoke failed: healthz 500';

  it('upgrade with an additive migration, then an image-only rollback: the old image runs on the new schema', async () => {
    assert.equal(head(), '0003_audit_append_only');
    const up = await run('upgrade-rolling', releaseInputs(r110));
    assert.equal(up.model.state, 'succeeded', `${up.model.reason} ${steps(up)}`);
    assert.equal(head(), '0004_add_column');
    assert.equal((await get('/version')).json['version'], '1.1.0');
    assert.match(lastLine('migrations.log'), /\| upgrade \| 0004_add_column \| additive \| head=0004_add_column \| actor=alice$/);
    assert.match(
      readFileSync(join(demoHome, 'image'), 'utf8'),
      /^image=registry\.example\/demo:1\.1\.0 digest=sha256:a{64} manifest=sha256:b{64} release=rel-110 /,
    );

    const back = await run('rollback-image', rollbackInputs(r110, plan(r110, r100, 'image-only', reason)));
    assert.equal(back.model.state, 'succeeded', `${back.model.reason} ${steps(back)}`);
    assert.equal(head(), '0004_add_column', 'an image-only rollback leaves the schema as it is');
    assert.equal((await get('/ready')).status, 200);
    assert.match(
      lastLine('deploy.log'),
      /\| rollback \| success \| from=1\.1\.0 \| to=1\.0\.0 \| actor=alice \| reason=gate release-smoke failed: healthz 500 \(runledger run /,
    );

    const checks = await run('post-rollback-checks', rollbackInputs(r110, plan(r110, r100, 'image-only', reason)));
    assert.equal(checks.model.state, 'succeeded', `${checks.model.reason} ${steps(checks)}`);
    const inbox = (await get('/notifications')).json['notifications'] as { body: Record<string, unknown> }[];
    assert.deepEqual(
      { ...inbox.at(-1)!.body, run: undefined },
      {
        event: 'rollback.verified',
        service: 'demo',
        env: 'local',
        release: 'rel-110',
        from: '1.1.0',
        to: '1.0.0',
        reason,
        run: undefined,
        next: 'root-cause analysis of the failed deployment',
      },
    );
  });

  it('a destructive migration declared additive is refused before anything changes', async () => {
    const deploys = deployLines();
    const mislabelled = release('rel-bad-label', '2.0.0', { id: '0005_drop_legacy', kind: 'additive', revision: '0005_drop_legacy' });
    const up = await run('upgrade-rolling', releaseInputs(mislabelled));
    // A failed precondition also runs the Rollback section, which finds nothing to undo.
    assert.equal(up.model.state, 'rolled_back', `${up.model.reason} ${steps(up)}`);

    assert.match(up.model.reason!, /schema-compatible/);
    assert.equal(up.model.steps.find((s) => s.id === 'migrate')!.status, 'pending');
    assert.equal(head(), '0004_add_column');
    assert.equal((await get('/version')).json['version'], '1.0.0');
    assert.equal(deployLines(), deploys, 'no restart, no deploy entry');
  });

  it('destructive: image-only leaves the service not ready; rollback-schema downgrades to the explicit revision, then rolls back', async () => {
    const up = await run('upgrade-rolling', releaseInputs(r200));
    assert.equal(up.model.state, 'succeeded', `${up.model.reason} ${steps(up)}`);
    assert.equal(head(), '0005_drop_legacy');

    // Image-only by hand: 1.0.0 starts and is alive, but it reads the column 0005 dropped, so it is not
    // ready, and readiness says why and what to do. The post-rollback checks catch it.
    assert.equal(ctl('rollback', '1.0.0', 'image-only by mistake').status, 0);
    assert.equal((await get('/health')).status, 200);
    const ready = await get('/ready');
    assert.equal(ready.status, 503);
    const mh = (ready.json['checks'] as Record<string, { ok: boolean; detail: string }>)['migration_head']!;
    assert.equal(mh.ok, false);
    assert.match(mh.detail, /version 1\.0\.0 cannot run on schema 0005_drop_legacy: .*downgrade to 0004_add_column first/);
    const caught = await run('post-rollback-checks', { to: '1.0.0' });
    assert.equal(caught.model.state, 'rolled_back');
    assert.match(caught.model.reason!, /step ready failed/);
    const undo = ctl('upgrade', '2.0.0', 'undo the mistake');
    assert.equal(undo.status, 0, undo.stdout + undo.stderr);
    assert.equal((await get('/ready')).status, 200);

    // The rollback-image runbook refuses both ways before touching anything: a downgrade plan, and a
    // target that cannot run on the schema. (A failed precondition runs the Safe actions too; they find
    // the service still on `from` and leave it.)
    const deploys = deployLines();
    const wrongMode = await run('rollback-image', rollbackInputs(r200, plan(r200, r110, 'downgrade', reason, '0004_add_column')));
    assert.equal(wrongMode.model.state, 'rolled_back');
    assert.match(wrongMode.model.reason!, /step image-only failed/);
    const incompatible = await run('rollback-image', rollbackInputs(r200, plan(r200, r110, 'image-only', reason)));
    assert.equal(incompatible.model.state, 'rolled_back');
    assert.match(incompatible.model.reason!, /step schema-compatible failed/);
    assert.equal((await get('/version')).json['version'], '2.0.0');
    assert.equal(deployLines(), deploys);

    // The schema rollback: approved by someone else, then downgrade to 0004 and back to 1.1.0.
    const inputs = rollbackInputs(r200, plan(r200, r110, 'downgrade', reason, '0004_add_column'));
    const waiting = await run('rollback-schema', inputs);
    assert.equal(waiting.model.state, 'waiting_approval', `${waiting.model.reason} ${steps(waiting)}`);
    assert.equal(head(), '0005_drop_legacy', 'nothing changes before the approval');
    const done = await approve(waiting.runId, bob);
    assert.equal(done.model.state, 'succeeded', `${done.model.reason} ${steps(done)}`);
    assert.equal(head(), '0004_add_column');
    assert.match(lastLine('migrations.log'), /\| downgrade \| 0005_drop_legacy \| destructive \| head=0004_add_column \| actor=alice$/);
    assert.equal((await get('/version')).json['version'], '1.1.0');
    assert.equal((await get('/ready')).status, 200);
    assert.match(lastLine('deploy.log'), /\| rollback \| success \| from=2\.0\.0 \| to=1\.1\.0 \| actor=alice \| reason=gate release-smoke failed/);

    const checks = await run('post-rollback-checks', rollbackInputs(r200, plan(r200, r110, 'downgrade', reason, '0004_add_column')));
    assert.equal(checks.model.state, 'succeeded', `${checks.model.reason} ${steps(checks)}`);
  });

  it('rollback-schema takes only an explicit revision', async () => {
    const relative = await run('rollback-schema', { ...rollbackInputs(r110, plan(r110, r100, 'downgrade', reason)), revision: '-1' }).catch((e: Error) => e);
    assert.ok(relative instanceof Error && /revision/.test(relative.message), String(relative));
    const base = await run('rollback-schema', rollbackInputs(r110, plan(r110, r100, 'downgrade', reason, 'base')));
    assert.equal(base.model.state, 'rolled_back');
    assert.match(base.model.reason!, /step downgrade-plan failed/);
    assert.equal(head(), '0004_add_column');
  });

  it('post-rollback checks fail, by name, when the service is broken', async () => {
    assert.equal(ctl('break').status, 0);
    try {
      const out = await run('post-rollback-checks', { to: '1.1.0' });
      assert.equal(out.model.state, 'rolled_back');
      assert.match(out.model.reason!, /step health failed/);
      assert.match(readFileSync(join(demoHome, 'post-rollback.log'), 'utf8'), /post-rollback checks FAILED for 1\.1\.0/);
    } finally {
      assert.equal(ctl('fix').status, 0);
    }
  });

  it('the staging rollback drill: bad release detected, rolled back, checks pass, evidence left', async () => {
    const out = await run('rollback-drill', {}, 'staging');
    assert.equal(out.model.state, 'succeeded', `${out.model.reason} ${steps(out)}`);
    assert.equal((await get('/version')).json['version'], '1.1.0');
    const lines = readFileSync(join(demoHome, 'deploy.log'), 'utf8').trimEnd().split('\n').slice(-2);
    assert.match(lines[0]!, /\| upgrade \| success \| from=1\.1\.0 \| to=0\.0\.0-drill-bad \| actor=alice \|/);
    assert.match(lines[1]!, /\| rollback \| success \| from=0\.0\.0-drill-bad \| to=1\.1\.0 \| actor=alice \| reason=rollback drill: healthz 500/);
    const report = join(demoHome, 'drills', `rollback-drill-${out.runId}.txt`);
    assert.ok(existsSync(report));
    assert.match(readFileSync(report, 'utf8'), /--- \/ready\n\{"ready":true/);
    // Only in staging: the runbook does not list any other environment.
    await assert.rejects(run('rollback-drill', {}, 'production'));
  });
});
