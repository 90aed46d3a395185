// The release driver over a real store (SQLite and PostgreSQL) and the real engine running small shell
// runbooks: announced only after every gate; a failed gate never announces and rolls back under policy
// with seed 003's entry; a bake-window observation fails the release; rollbacks refused for a
// destructive migration without a revision, for a ledger that does not verify (allowed by a recorded
// admin override), and kept waiting for someone else's approval in production; one deploy at a time.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BakeObservation, LedgerVerification, Release } from '@runledger/core';
import { LedgerReader } from '@runledger/store';
import { locationOf, pgFactory, sqliteFactory, type FixtureFactory } from '@runledger/testkit';
import {
  initLedger,
  openEngine,
  pumpOutbox,
  releaseRunner,
  ReleaseDriver,
  type EngineContext,
  type LedgerLocation,
  type ReleaseDefaults,
} from '../src/index.js';

function runbook(id: string, script: string, inputs: string[] = []): string {
  const decl = inputs.length ? `inputs:\n${inputs.map((n) => `  ${n}: {type: string, default: ''}`).join('\n')}\n` : '';
  return `---\nid: ${id}\ntitle: ${id}\n${decl}environments: [staging, production]\n---\n\n# ${id}\n\n## Steps\n\n\`\`\`sh {#main}\n${script}\n\`\`\`\n`;
}

const DIGEST = (c: string): string => `sha256:${c.repeat(64)}`;

interface World {
  readonly ctx: EngineContext;
  readonly driver: ReleaseDriver;
  /** What the ports answer; tests change them. */
  ledger: LedgerVerification;
  observations: BakeObservation[];
  checklistPassed: boolean;
  readonly dir: string;
}

function suite(factory: FixtureFactory): void {
  describe(`releases on ${factory.name}`, () => {
    before(() => factory.setup());
    after(() => factory.teardown());
    const worlds: World[] = [];
    after(async () => {
      for (const w of worlds) {
        await w.driver.stop();
        await w.ctx.close();
      }
    });

    async function world(opts: { autoRollback?: 'on' | 'off' | 'approval'; bakeMs?: number; approvalEnvs?: string[] } = {}): Promise<World> {
      const f = await factory.create();
      const loc: LedgerLocation = locationOf(f);
      await initLedger(loc, { origin: 'releases.test/ledger', actor: { kind: 'user', id: 'alice' } });
      const dir = mkdtempSync(join(tmpdir(), 'rl-rel-'));
      const books = join(dir, 'runbooks');
      mkdirSync(books);
      const state = join(dir, 'state');
      mkdirSync(state);
      // deploy writes the version; the smoke gate fails while `state/broken` exists; rollback writes `to`.
      writeFileSync(join(books, 'deploy.md'), runbook('deploy', `echo "{{ inputs.version }}" > ${state}/version`, ['version']));
      writeFileSync(join(books, 'smoke.md'), runbook('smoke', `test ! -e ${state}/broken || { echo "healthz 500" >&2; exit 1; }`));
      writeFileSync(join(books, 'rollback.md'), runbook('rollback', `echo "{{ inputs.to }}" > ${state}/version`, ['from', 'to', 'reason', 'mode', 'revision']));
      const ctx = await openEngine(loc, { cwd: dir });
      const defaults: ReleaseDefaults = {
        gates: { runbooks: ['smoke'], checklist: 'demo-healthy' },
        runbooks: { deploy: 'deploy', rollback: 'rollback' },
        postRollbackChecklist: 'demo-healthy',
        bake: { durationMs: opts.bakeMs ?? 300, autoRollback: opts.autoRollback ?? 'on' },
        ...(opts.approvalEnvs ? { approvalEnvs: opts.approvalEnvs } : {}),
      };
      const w: World = {
        ctx,
        dir,
        ledger: { ok: true, at: new Date().toISOString() },
        observations: [],
        checklistPassed: true,
        driver: undefined as unknown as ReleaseDriver,
      };
      const runner = releaseRunner({ runs: ctx.runs, runbooksDir: books, start: (req) => ctx.engine.start(req), pollMs: 20 });
      (w as { driver: ReleaseDriver }).driver = new ReleaseDriver({
        store: ctx.ledger.store,
        pump: () => pumpOutbox(w.driver.service.outbox, (d) => ctx.ledger.writer!.append(d)).then(() => undefined),
        ports: {
          ...runner,
          evaluateChecklist: async () => (w.checklistPassed ? { passed: true } : { passed: false, reason: 'demo liveness is down' }),
          verifyLedger: async () => ({ ...w.ledger, at: new Date().toISOString() }),
          observe: async () => w.observations,
          defaults: (s) => (s === 'demo' ? defaults : undefined),
        },
      });
      w.driver.start(50);
      worlds.push(w);
      return w;
    }

    async function release(w: World, version: string, extra: Partial<Parameters<ReleaseDriver['service']['create']>[0]> = {}): Promise<Release> {
      const r = await w.driver.service.create({
        service: 'demo',
        env: 'staging',
        version,
        artifact: { ref: `ghcr.io/example/demo:${version}`, digest: DIGEST(version[0]!) },
        requestedBy: 'user:alice',
        ...extra,
      });
      await w.driver.service.deploy(r.id, 'user:alice');
      return w.driver.settled(r.id);
    }

    async function ledgerTypes(w: World): Promise<string[]> {
      await pumpOutbox(w.driver.service.outbox, (d) => w.ctx.ledger.writer!.append(d));
      const rows = await new LedgerReader(w.ctx.ledger.store).entries(0, 10_000);
      return rows.map((e) => e.entry.type);
    }

    it('announces a release only after the deploy, every gate and the bake window passed', async () => {
      const w = await world();
      const r = await release(w, '1.0.0');
      assert.equal(r.state, 'announced', JSON.stringify(r.failure));
      assert.deepEqual(
        r.gates.map((g) => [g.name, g.passed]),
        [
          ['smoke', true],
          ['demo-healthy', true],
          ['bake', true],
        ],
      );
      assert.ok(r.gates[0]!.runId, 'the gate links its run');
      assert.ok(r.deployRunId, 'the deploy links its run');
      const types = await ledgerTypes(w);
      for (const t of [
        'release.created',
        'release.deploy.started',
        'release.deploy.finished',
        'release.gate.decided',
        'release.bake.started',
        'release.announced',
      ])
        assert.ok(types.includes(t), `${t} in ${types.join(', ')}`);
    });

    it('a failed smoke gate never announces, rolls back to the previous release and records seed 003’s entry', async () => {
      const w = await world();
      const good = await release(w, '1.0.0');
      writeFileSync(join(w.dir, 'state', 'broken'), '1');
      const bad = await release(w, '2.0.0');
      assert.equal(bad.state, 'rolled_back');
      assert.equal(bad.failure?.gate, 'smoke');
      assert.match(bad.failure?.reason ?? '', /failed/);
      assert.equal(bad.announcedAt, undefined);
      assert.equal(bad.rollback?.to, good.id);
      assert.equal(bad.rollback?.outcome, 'success');
      assert.equal(bad.rollback?.actor, 'system');
      assert.ok(bad.rollback?.postChecks?.passed, 'the post-rollback checklist ran');
      const types = await ledgerTypes(w);
      assert.ok(types.includes('release.rollback'));
      assert.ok(types.includes('release.failed'));
    });

    it('a SEV-1 or a down service during the bake window fails the release and rolls it back', async () => {
      const w = await world({ bakeMs: 60_000 });
      const baking = async (id: string): Promise<Release> => {
        for (;;) {
          const cur = await w.driver.service.get(id);
          if (cur.bakeStartedAt !== undefined) return cur;
          await new Promise((res) => setTimeout(res, 20));
        }
      };
      const mk = async (version: string): Promise<Release> => {
        const r = await w.driver.service.create({
          service: 'demo',
          env: 'staging',
          version,
          artifact: { ref: `demo:${version}`, digest: DIGEST(version[0]!) },
          requestedBy: 'user:alice',
        });
        await w.driver.service.deploy(r.id, 'user:alice');
        return baking(r.id);
      };
      // The first release bakes 60 s: let its window end (the timer's input, at its due time).
      const first = await mk('1.0.0');
      await w.driver.service.apply(first.id, { type: 'bake.elapsed', at: first.bakeEndsAt!, due: first.bakeEndsAt! });
      assert.equal((await w.driver.service.get(first.id)).state, 'announced');
      // The second is broken after its deploy: the next observation inside the window fails the bake gate.
      const r = await mk('2.0.0');
      w.observations = [{ kind: 'health', state: 'down', reason: 'demo liveness: status 500' }];
      const done = await w.driver.settled(r.id);
      assert.equal(done.state, 'rolled_back');
      assert.equal(done.failure?.gate, 'bake');
      assert.match(done.failure?.reason ?? '', /health down/);
      assert.equal(done.rollback?.to, first.id);
    });

    it('refuses a destructive migration’s image-only rollback; a downgrade to an explicit revision waits for someone else’s approval', async () => {
      const w = await world({ autoRollback: 'off' });
      await release(w, '1.0.0', { migration: { id: '0004_add_column', kind: 'additive', revision: '0004' } });
      const d = await release(w, '2.0.0', { migration: { id: '0005_drop_legacy', kind: 'destructive', revision: '0005' } });
      assert.equal(d.state, 'announced');
      const ask = { service: 'demo', env: 'staging', reason: 'p99 latency doubled', actor: 'user:alice', roles: ['operator'] };
      await assert.rejects(w.driver.rollback(ask), { code: 'ROLLBACK_DESTRUCTIVE_NEEDS_REVISION' });
      const out = await w.driver.rollback({ ...ask, revision: '0004' });
      assert.ok('pending' in out, 'a downgrade waits for an approval');
      await assert.rejects(w.driver.approve(d.id, 'user:alice', ['approver']), { code: 'ROLLBACK_NEEDS_APPROVAL' }, 'not by who asked');
      await assert.rejects(w.driver.approve(d.id, 'user:bob', ['operator']), { code: 'ROLLBACK_NEEDS_APPROVAL' }, 'not without the role');
      await w.driver.approve(d.id, 'user:bob', ['approver']);
      const rolled = await w.driver.settled(d.id);
      assert.equal(rolled.state, 'rolled_back');
      assert.equal(rolled.rollback?.mode, 'downgrade');
      assert.equal(rolled.rollback?.revision, '0004');
      assert.equal(rolled.rollback?.approvedBy, 'user:bob');
    });

    it('refuses a rollback when the ledger does not verify, and records an admin’s override', async () => {
      const w = await world({ autoRollback: 'off' });
      await release(w, '1.0.0');
      const cur = await release(w, '1.1.0');
      w.ledger = { ok: false, at: new Date().toISOString(), detail: 'entry 7: leaf hash mismatch' };
      const ask = { service: 'demo', env: 'staging', reason: 'error budget burn', actor: 'user:carol', roles: ['operator'] };
      await assert.rejects(w.driver.rollback(ask), { code: 'ROLLBACK_LEDGER_UNVERIFIED', message: /leaf hash mismatch/ });
      await assert.rejects(w.driver.rollback({ ...ask, override: { reason: 'restoring service first' } }), { code: 'ROLLBACK_OVERRIDE_FORBIDDEN' });
      const out = await w.driver.rollback({ ...ask, roles: ['admin'], override: { reason: 'restoring service first; ticket SEC-12' } });
      assert.ok('started' in out);
      const done = await w.driver.settled(cur.id);
      assert.equal(done.state, 'rolled_back');
      const types = await ledgerTypes(w);
      assert.ok(types.includes('release.ledger.override'), 'the override is in the ledger');
    });

    it('keeps a production rollback waiting for someone else’s approval', async () => {
      const w = await world({ autoRollback: 'off', bakeMs: 0 });
      const mk = async (version: string): Promise<Release> => {
        const r = await w.driver.service.create({
          service: 'demo',
          env: 'production',
          version,
          artifact: { ref: `demo:${version}`, digest: DIGEST(version[0]!) },
          requestedBy: 'user:alice',
        });
        await w.driver.service.deploy(r.id, 'user:alice');
        return w.driver.settled(r.id);
      };
      const a = await mk('1.0.0');
      const b = await mk('2.0.0');
      assert.equal(b.state, 'announced');
      const out = await w.driver.rollback({ service: 'demo', env: 'production', reason: 'checkout errors', actor: 'user:alice', roles: ['approver'] });
      assert.ok('pending' in out && /production/.test(out.pending.why));
      assert.equal((await w.driver.service.get(b.id)).state, 'announced', 'nothing ran before the approval');
      await w.driver.approve(b.id, 'user:bob', ['approver']);
      const done = await w.driver.settled(b.id);
      assert.equal(done.state, 'rolled_back');
      assert.equal(done.rollback?.to, a.id);
      assert.equal(done.rollback?.approvedBy, 'user:bob');
    });

    it('holds one deploy per service and environment, across concurrent requests', async () => {
      const w = await world({ autoRollback: 'off', bakeMs: 60_000 });
      const mk = (version: string): Promise<Release> =>
        w.driver.service.create({
          service: 'demo',
          env: 'staging',
          version,
          artifact: { ref: `demo:${version}`, digest: DIGEST(version[0]!) },
          requestedBy: 'user:alice',
        });
      const a = await mk('1.0.0');
      const b = await mk('2.0.0');
      const c = await mk('3.0.0');
      // Two deploys at the same moment: exactly one is let in.
      const both = await Promise.allSettled([w.driver.service.deploy(b.id, 'user:alice'), w.driver.service.deploy(c.id, 'user:bob')]);
      assert.equal(both.filter((x) => x.status === 'fulfilled').length, 1, JSON.stringify(both.map((x) => x.status)));
      const refused = both.find((x) => x.status === 'rejected') as PromiseRejectedResult;
      assert.equal((refused.reason as { code: string }).code, 'RELEASE_BUSY');
      // While it verifies (a 60 s bake), a third is refused and says which release holds the pair.
      await assert.rejects(w.driver.service.deploy(a.id, 'user:alice'), { code: 'RELEASE_BUSY', message: /one deploy at a time/ });
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
