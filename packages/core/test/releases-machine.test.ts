// The release machine on a fake clock: announced only after the gate runbooks, the checklist and a clean
// bake window; a failed smoke gate or a SEV-1 inside the window fails it (naming the gate and why) and
// never announces; autoRollback turns a failure into a rollback command; replay rebuilds the live model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyReleaseFact,
  createRelease,
  decideRelease,
  replayRelease,
  ReleaseRuleError,
  type AutoRollback,
  type Release,
  type ReleaseCommand,
  type ReleaseFact,
  type ReleaseInput,
  type ReleaseSpec,
} from '@runledger/core';

const T = (mmss: string): string => `2026-12-07T14:${mmss}.000Z`;
const D = (c: string): string => `sha256:${c.repeat(64)}`;
const MIN = 60_000;

const spec = (over: Partial<ReleaseSpec> = {}): ReleaseSpec => ({
  id: 'rel-2',
  service: 'mimic',
  env: 'prod',
  version: '1.4.0',
  artifact: { ref: 'ghcr.io/acme/mimic:1.4.0', digest: D('a') },
  manifestDigest: D('b'),
  migration: { id: '0042_add_column', kind: 'additive', revision: '0042' },
  previous: 'rel-1',
  requestedBy: 'alice',
  gates: { runbooks: ['release-smoke'], checklist: 'mimic-healthy' },
  runbooks: { deploy: 'rolling-upgrade', rollback: 'rollback-image' },
  postRollbackChecklist: 'post-rollback',
  bake: { durationMs: 10 * MIN },
  ...over,
});

/** A driver in miniature: stores every fact, folds it, keeps the commands. */
class Harness {
  facts: ReleaseFact[] = [];
  commands: ReleaseCommand[] = [];
  release: Release;
  constructor(s: ReleaseSpec, at = T('00:00')) {
    const d = createRelease(s, at);
    this.facts.push(...d.facts);
    this.release = replayRelease(this.facts);
  }
  send(input: ReleaseInput): { commands: readonly ReleaseCommand[]; ignored?: string } {
    const d = decideRelease(this.release, input);
    this.facts.push(...d.facts);
    this.commands.push(...d.commands);
    // The live model folds each fact as it comes; replayRelease(h.facts) must land on the same release.
    for (const f of d.facts) this.release = applyReleaseFact(this.release, f);
    return d;
  }
  deployAndGate(passSmoke = true): void {
    this.send({ type: 'deploy.started', at: T('00:01'), by: 'alice' });
    this.send({ type: 'deploy.finished', at: T('00:30'), ok: true, runId: 'run-deploy' });
    this.send({
      type: 'gate.result',
      at: T('00:40'),
      gate: 'release-smoke',
      passed: passSmoke,
      runId: 'run-smoke',
      ...(passSmoke ? {} : { reason: 'step 1: Caddy /healthz answered 502' }),
    });
    this.send({ type: 'gate.result', at: T('00:41'), gate: 'mimic-healthy', passed: true });
  }
}

const types = (cs: readonly ReleaseCommand[]): string[] => cs.map((c) => c.type);

describe('release gates', () => {
  it('announces a good release only after the runbooks, the checklist and the bake window', () => {
    const h = new Harness(spec());
    assert.equal(h.release.state, 'planned');
    const dep = h.send({ type: 'deploy.started', at: T('00:01'), by: 'alice' });
    assert.deepEqual(dep.commands[0], {
      type: 'run-runbook',
      purpose: 'deploy',
      runbook: 'rolling-upgrade',
      inputs: {
        release: 'rel-2',
        service: 'mimic',
        env: 'prod',
        version: '1.4.0',
        artifact: 'ghcr.io/acme/mimic:1.4.0',
        digest: D('a'),
        manifest_digest: D('b'),
        migration: '0042_add_column',
        migration_kind: 'additive',
        migration_revision: '0042',
      },
    });
    const fin = h.send({ type: 'deploy.finished', at: T('00:30'), ok: true, runId: 'run-deploy' });
    assert.equal(h.release.state, 'verifying');
    assert.deepEqual(types(fin.commands), ['run-runbook', 'evaluate-checklist']);
    h.send({ type: 'gate.result', at: T('00:40'), gate: 'release-smoke', passed: true, runId: 'run-smoke' });
    assert.equal(h.release.bakeStartedAt, undefined, 'the bake waits for every other gate');
    const last = h.send({ type: 'gate.result', at: T('00:41'), gate: 'mimic-healthy', passed: true });
    assert.deepEqual(last.commands, [{ type: 'start-bake-timer', due: T('10:41') }]);
    assert.equal(h.release.state, 'verifying');

    // Observations inside the limits change nothing; an early or stale timer is ignored.
    assert.ok(h.send({ type: 'bake.observation', at: T('02:00'), observation: { kind: 'health', state: 'degraded' } }).ignored);
    assert.ok(h.send({ type: 'bake.observation', at: T('03:00'), observation: { kind: 'burn', slo: 'availability', rate: 2 } }).ignored);
    assert.ok(
      h.send({ type: 'bake.observation', at: T('03:30'), observation: { kind: 'incident', id: 'INC-3', severity: 'SEV-2', openedAt: T('03:29') } }).ignored,
    );
    assert.ok(h.send({ type: 'bake.elapsed', at: T('10:40'), due: T('10:41') }).ignored);
    assert.ok(h.send({ type: 'bake.elapsed', at: T('10:41'), due: T('09:00') }).ignored);
    assert.equal(h.release.state, 'verifying');

    const done = h.send({ type: 'bake.elapsed', at: T('10:41'), due: T('10:41') });
    assert.equal(h.release.state, 'announced');
    assert.equal(h.release.announcedAt, T('10:41'));
    assert.deepEqual(types(done.commands), ['announce', 'notify']);
    assert.ok(h.release.gates.every((g) => g.passed === true));
    assert.equal(h.release.gates.find((g) => g.name === 'release-smoke')?.runId, 'run-smoke');
    assert.deepEqual(replayRelease(h.facts), h.release);
  });

  it('never announces when the smoke gate fails, and says which gate and why', () => {
    const h = new Harness(spec());
    h.deployAndGate(false);
    assert.equal(h.release.state, 'failed');
    assert.deepEqual(h.release.failure, { gate: 'release-smoke', reason: 'step 1: Caddy /healthz answered 502' });
    const smoke = h.release.gates.find((g) => g.name === 'release-smoke');
    assert.equal(smoke?.passed, false);
    assert.equal(smoke?.reason, 'step 1: Caddy /healthz answered 502');
    // The checklist's late pass is ignored; the bake never starts; nothing announces.
    assert.equal(h.release.gates.find((g) => g.name === 'mimic-healthy')?.passed, null);
    assert.equal(h.release.bakeStartedAt, undefined);
    assert.ok(!h.commands.some((c) => c.type === 'announce' || c.type === 'start-bake-timer'));
    assert.ok(!h.facts.some((f) => f.type === 'release.announced'));
    // autoRollback off (the default): no rollback either.
    assert.ok(!h.commands.some((c) => c.type === 'start-rollback'));
    assert.deepEqual(replayRelease(h.facts), h.release);
  });

  it('fails on a failed deploy run, naming the deploy', () => {
    const h = new Harness(spec());
    h.send({ type: 'deploy.started', at: T('00:01'), by: 'alice' });
    h.send({ type: 'deploy.finished', at: T('00:20'), ok: false, reason: 'step 3: podman pull failed' });
    assert.equal(h.release.state, 'failed');
    assert.deepEqual(h.release.failure, { gate: 'deploy', reason: 'step 3: podman pull failed' });
  });

  const bakeFailure = (autoRollback: AutoRollback, over: Partial<ReleaseSpec> = {}): Harness => {
    const h = new Harness(spec({ bake: { durationMs: 10 * MIN, autoRollback }, ...over }));
    h.deployAndGate();
    assert.equal(h.release.bakeEndsAt, T('10:41'));
    // An incident already open before the window is not this release's.
    assert.ok(
      h.send({ type: 'bake.observation', at: T('01:00'), observation: { kind: 'incident', id: 'INC-1', severity: 'SEV-1', openedAt: T('00:10') } }).ignored,
    );
    h.send({
      type: 'bake.observation',
      at: T('04:05'),
      observation: { kind: 'incident', id: 'INC-9', severity: 'SEV-1', openedAt: T('04:00'), title: 'mimic down' },
    });
    return h;
  };

  it('fails when a SEV-1 opens inside the bake window', () => {
    const h = bakeFailure('off');
    assert.equal(h.release.state, 'failed');
    assert.equal(h.release.failure?.gate, 'bake');
    assert.match(h.release.failure?.reason ?? '', /SEV-1 incident INC-9 \(mimic down\) opened at .*04:00.* during the bake window/);
    assert.ok(h.commands.some((c) => c.type === 'cancel-bake-timer'));
    assert.ok(h.send({ type: 'bake.elapsed', at: T('10:41'), due: T('10:41') }).ignored, 'the timer cannot announce it afterwards');
    assert.equal(h.release.state, 'failed');
    assert.ok(!h.facts.some((f) => f.type === 'rollback.proposed'));
  });

  it('with autoRollback on, a bake failure starts a rollback', () => {
    const h = bakeFailure('on');
    assert.equal(h.release.state, 'failed');
    const rb = h.commands.find((c) => c.type === 'start-rollback');
    assert.deepEqual(rb, { type: 'start-rollback', from: 'rel-2', reason: `gate bake failed: ${h.release.failure?.reason}` });
    assert.equal(h.release.rollbackProposed?.mode, 'on');
  });

  it('with autoRollback approval, or on with a destructive migration, it asks a person instead', () => {
    for (const h of [bakeFailure('approval'), bakeFailure('on', { migration: { id: '0043_drop', kind: 'destructive' } })]) {
      assert.ok(!h.commands.some((c) => c.type === 'start-rollback'));
      assert.equal(h.commands.find((c) => c.type === 'request-approval')?.type, 'request-approval');
      assert.equal(h.release.rollbackProposed?.mode, 'approval');
    }
  });

  it('fails on a health of down or a burn rate at the threshold', () => {
    const down = new Harness(spec());
    down.deployAndGate();
    down.send({ type: 'bake.observation', at: T('05:00'), observation: { kind: 'health', state: 'down', reason: 'requires postgres (down)' } });
    assert.equal(down.release.failure?.gate, 'bake');
    assert.match(down.release.failure?.reason ?? '', /health down: requires postgres/);

    const burn = new Harness(spec({ bake: { durationMs: 10 * MIN, maxBurnRate: 6 } }));
    burn.deployAndGate();
    assert.ok(burn.send({ type: 'bake.observation', at: T('11:00'), observation: { kind: 'burn', slo: 'avail', rate: 50 } }).ignored, 'after the window');
    burn.send({ type: 'bake.observation', at: T('06:00'), observation: { kind: 'burn', slo: 'avail', rate: 6 } });
    assert.match(burn.release.failure?.reason ?? '', /SLO avail burning at 6x \(threshold 6x\)/);
  });

  it('refuses what the rules forbid, with codes', () => {
    const h = new Harness(spec());
    h.send({ type: 'deploy.started', at: T('00:01'), by: 'alice' });
    assert.throws(() => decideRelease(h.release, { type: 'deploy.started', at: T('00:02'), by: 'bob' }), { code: 'RELEASE_STATE' });
    h.send({ type: 'deploy.finished', at: T('00:30'), ok: true });
    assert.throws(
      () => decideRelease(h.release, { type: 'gate.result', at: T('00:31'), gate: 'nope', passed: true }),
      (e: unknown) => {
        assert.ok(e instanceof ReleaseRuleError);
        assert.equal(e.code, 'RELEASE_UNKNOWN_GATE');
        return true;
      },
    );
    assert.throws(() => decideRelease(h.release, { type: 'gate.result', at: T('00:31'), gate: 'bake', passed: true }), { code: 'RELEASE_INVALID' });
    assert.throws(() => createRelease(spec({ artifact: { ref: 'x:1', digest: 'sha256:abc' } }), T('00:00')), { code: 'RELEASE_INVALID' });
    assert.throws(() => createRelease(spec({ gates: { runbooks: ['a', 'a'] } }), T('00:00')), { code: 'RELEASE_INVALID' });
  });

  it('with no gate runbooks and a zero bake, announces when the deploy finishes', () => {
    const h = new Harness(spec({ gates: {}, bake: { durationMs: 0 } }));
    h.send({ type: 'deploy.started', at: T('00:01'), by: 'ci' });
    h.send({ type: 'deploy.finished', at: T('00:05'), ok: true });
    assert.equal(h.release.state, 'announced');
  });
});
