// Rollback decisions and their facts: the previous good release as the default target (or --to), a
// destructive migration refused without an explicit, approved revision, a ledger that does not verify
// refused unless an admin overrides (recorded as a fact), one deploy per service and environment, the
// release.rollback entry, seed 003's post-rollback checks, and a replay equal to the live model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyReleaseFact,
  canStartDeploy,
  createRelease,
  currentRelease,
  decideRelease,
  planRollback,
  replayRelease,
  rollbackInputs,
  RUNBOOK_REASON_MAX,
  runbookReason,
  type Release,
  type ReleaseFact,
  type ReleaseInput,
  type ReleaseMigration,
  type RollbackRequest,
} from '@runledger/core';

const at = (h: number, m = 0): string => `2026-12-07T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00.000Z`;
const D = (c: string): string => `sha256:${c.repeat(64)}`;

/** Builds a release through the machine, so its fields are what a real run would leave. */
function release(
  id: string,
  version: string,
  hour: number,
  end: 'announced' | 'failed' | 'deploying' | 'planned',
  migration?: ReleaseMigration,
  previous?: string,
) {
  const facts: ReleaseFact[] = [
    ...createRelease(
      {
        id,
        service: 'mimic',
        env: 'prod',
        version,
        artifact: { ref: `ghcr.io/acme/mimic:${version}`, digest: D(version.slice(-1)) },
        ...(migration ? { migration } : {}),
        ...(previous ? { previous } : {}),
        requestedBy: 'alice',
        gates: { runbooks: ['release-smoke'] },
        runbooks: { rollback: 'rollback-image' },
        postRollbackChecklist: 'post-rollback',
        bake: { durationMs: 0 },
      },
      at(hour),
    ).facts,
  ];
  let r = replayRelease(facts);
  const send = (i: ReleaseInput): void => {
    const d = decideRelease(r, i);
    facts.push(...d.facts);
    for (const f of d.facts) r = applyReleaseFact(r, f);
  };
  if (end !== 'planned') send({ type: 'deploy.started', at: at(hour, 1), by: 'alice' });
  if (end === 'announced' || end === 'failed') {
    send({ type: 'deploy.finished', at: at(hour, 5), ok: true });
    send({ type: 'gate.result', at: at(hour, 6), gate: 'release-smoke', passed: end === 'announced', reason: end === 'failed' ? 'audit DSN missing' : 'ok' });
  }
  return { r, facts, send, get: () => r };
}

const LEDGER_OK = { ok: true, at: at(12, 55) };
const req = (over: Partial<RollbackRequest> = {}): RollbackRequest => ({
  service: 'mimic',
  env: 'prod',
  at: at(13),
  actor: 'bob',
  reason: 'health-check-failure',
  ledger: LEDGER_OK,
  ...over,
});

describe('rollback target', () => {
  const r1 = release('rel-1', '1.2.0', 9, 'announced').r;
  const r2 = release('rel-2', '1.3.0', 10, 'announced', undefined, 'rel-1').r;
  const r3 = release('rel-3', '1.4.0', 11, 'failed', { id: '0042_add', kind: 'additive' }, 'rel-2').r;

  it('defaults to the release in place and the previous good release, image-only', () => {
    assert.equal(currentRelease([r1, r2, r3], 'mimic', 'prod')?.id, 'rel-3');
    const plan = planRollback([r1, r2, r3], req());
    assert.deepEqual(plan, {
      from: 'rel-3',
      fromVersion: '1.4.0',
      to: 'rel-2',
      toVersion: '1.3.0',
      toArtifact: r2.artifact,
      mode: 'image-only',
      actor: 'bob',
      reason: 'health-check-failure',
    });
  });

  it('skips a previous release that is no longer good, and takes an explicit --to', () => {
    const failed2 = { ...r2, state: 'failed' as const };
    assert.equal(planRollback([r1, failed2, r3], req()).to, 'rel-1');
    assert.equal(planRollback([r1, r2, r3], req({ to: 'rel-1' })).to, 'rel-1');
    assert.throws(() => planRollback([r1, r2, r3], req({ to: 'rel-9' })), { code: 'ROLLBACK_NO_TARGET' });
    assert.throws(() => planRollback([r1, r2, r3], req({ to: 'rel-3' })), { code: 'ROLLBACK_BAD_TARGET' });
    assert.throws(() => planRollback([r1, failed2, r3], req({ to: 'rel-2' })), /only an announced release/);
    assert.throws(() => planRollback([r3], req()), { code: 'ROLLBACK_NO_TARGET' });
    assert.throws(() => planRollback([r1, r2, r3], req({ reason: ' ' })), { code: 'ROLLBACK_REASON_REQUIRED' });
  });
});

describe('destructive migrations (seed 000)', () => {
  const r1 = release('rel-1', '1.2.0', 9, 'announced', { id: '0041', kind: 'additive', revision: '0041' }).r;
  const r2 = release('rel-2', '2.0.0', 10, 'failed', { id: '0042_drop_legacy', kind: 'destructive', revision: '0042' }, 'rel-1').r;

  it('refuses an image-only rollback past a destructive migration', () => {
    assert.throws(
      () => planRollback([r1, r2], req()),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'ROLLBACK_DESTRUCTIVE_NEEDS_REVISION');
        assert.match(e.message, /destructive migration in 2\.0\.0 \(0042_drop_legacy\).*1\.2\.0 ran at revision 0041/);
        return true;
      },
    );
  });

  it('needs an approval from someone else for the explicit revision', () => {
    assert.throws(() => planRollback([r1, r2], req({ revision: '0041' })), { code: 'ROLLBACK_NEEDS_APPROVAL' });
    assert.throws(() => planRollback([r1, r2], req({ revision: '0041', approvedBy: 'bob' })), { code: 'ROLLBACK_NEEDS_APPROVAL' });
    const plan = planRollback([r1, r2], req({ revision: '0041', approvedBy: 'carol' }));
    assert.equal(plan.mode, 'downgrade');
    assert.equal(plan.revision, '0041');
    assert.equal(plan.approvedBy, 'carol');
  });
});

describe('ledger verification before a rollback (seed 003)', () => {
  const r1 = release('rel-1', '1.2.0', 9, 'announced').r;
  const r2 = release('rel-2', '1.3.0', 10, 'announced', undefined, 'rel-1');

  it('refuses when the ledger did not verify, was not verified, or verified too long ago', () => {
    const bad = { ok: false, at: at(12, 59), detail: 'entry 812: hash mismatch' };
    assert.throws(
      () => planRollback([r1, r2.r], req({ ledger: bad })),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'ROLLBACK_LEDGER_UNVERIFIED');
        assert.match(e.message, /entry 812: hash mismatch; investigate audit anomalies/);
        return true;
      },
    );
    const { ledger: _none, ...noLedger } = req();
    assert.throws(() => planRollback([r1, r2.r], noLedger), { code: 'ROLLBACK_LEDGER_UNVERIFIED' });
    assert.throws(() => planRollback([r1, r2.r], req({ ledger: { ok: true, at: at(11) } })), /older than 15 min/);
    assert.throws(() => planRollback([r1, r2.r], req({ ledger: bad, override: { by: 'bob', roles: ['operator'], reason: 'outage' } })), {
      code: 'ROLLBACK_OVERRIDE_FORBIDDEN',
    });
    assert.throws(() => planRollback([r1, r2.r], req({ ledger: bad, override: { by: 'root', roles: ['admin'], reason: '' } })), {
      code: 'ROLLBACK_REASON_REQUIRED',
    });
  });

  it('lets an admin override with a reason, recorded as a fact before the rollback starts', () => {
    const plan = planRollback(
      [r1, r2.r],
      req({
        ledger: { ok: false, at: at(12, 59), detail: 'entry 812: hash mismatch' },
        override: { by: 'root', roles: ['admin'], reason: 'outage; tamper investigated in INC-4' },
      }),
    );
    assert.deepEqual(plan.override, {
      by: 'root',
      reason: 'outage; tamper investigated in INC-4',
      ledger: 'the ledger did not verify: entry 812: hash mismatch',
    });
    const d = decideRelease(r2.get(), { type: 'rollback.requested', at: at(13), plan });
    assert.deepEqual(
      d.facts.map((f) => f.type),
      ['ledger.override', 'rollback.started'],
    );
    assert.deepEqual(d.facts[0], {
      type: 'ledger.override',
      at: at(13),
      by: 'root',
      reason: 'outage; tamper investigated in INC-4',
      ledger: plan.override?.ledger,
    });
  });
});

describe('rolling back', () => {
  it('runs the rollback runbook, appends release.rollback, runs the post-rollback checks; replay equals live', () => {
    const r1 = release('rel-1', '1.2.0', 9, 'announced').r;
    const r2 = release('rel-2', '1.3.0', 10, 'failed', undefined, 'rel-1');
    const plan = planRollback([r1, r2.r], req());
    const started = decideRelease(r2.get(), { type: 'rollback.requested', at: at(13), plan });
    assert.deepEqual(started.commands, [
      {
        type: 'run-runbook',
        purpose: 'rollback',
        runbook: 'rollback-image',
        inputs: {
          release: 'rel-2',
          service: 'mimic',
          env: 'prod',
          from: '1.3.0',
          to: '1.2.0',
          artifact: 'ghcr.io/acme/mimic:1.2.0',
          digest: r1.artifact.digest,
          mode: 'image-only',
          reason: 'health-check-failure',
        },
      },
    ]);
    r2.send({ type: 'rollback.requested', at: at(13), plan });
    // While it runs, nothing else deploys and no second rollback plans.
    const busy = canStartDeploy([r1, r2.get()], 'mimic', 'prod');
    assert.equal(busy.ok, false);
    assert.throws(() => planRollback([r1, r2.get()], req({ at: at(13, 1) })), { code: 'RELEASE_BUSY' });

    const fin = decideRelease(r2.get(), { type: 'rollback.finished', at: at(13, 2), ok: true, runId: 'run-rb' });
    assert.deepEqual(fin.facts, [
      {
        type: 'release.rollback',
        at: at(13, 2),
        outcome: 'success',
        from: '1.3.0',
        to: '1.2.0',
        actor: 'bob',
        reason: 'health-check-failure',
        runId: 'run-rb',
      },
    ]);
    assert.deepEqual(fin.commands, [
      { type: 'evaluate-checklist', purpose: 'post-rollback', checklist: 'post-rollback' },
      { type: 'notify', event: 'rolled-back' },
    ]);
    r2.send({ type: 'rollback.finished', at: at(13, 2), ok: true, runId: 'run-rb' });
    r2.send({ type: 'post-rollback.result', at: at(13, 3), passed: true });
    const live = r2.get();
    assert.equal(live.state, 'rolled_back');
    assert.equal(live.rollback?.outcome, 'success');
    assert.equal(live.rollback?.postChecks?.passed, true);
    assert.deepEqual(replayRelease(r2.facts), live);
    // rel-1 is in place again, and the pair is free.
    assert.equal(currentRelease([r1, live], 'mimic', 'prod')?.id, 'rel-1');
    assert.deepEqual(canStartDeploy([r1, live], 'mimic', 'prod'), { ok: true });
    assert.throws(() => decideRelease(live, { type: 'rollback.requested', at: at(14), plan }), { code: 'RELEASE_STATE' });
  });

  it('records a failed rollback too, and leaves the release failed', () => {
    const r1 = release('rel-1', '1.2.0', 9, 'announced').r;
    const r2 = release('rel-2', '1.3.0', 10, 'failed', undefined, 'rel-1');
    r2.send({ type: 'rollback.requested', at: at(13), plan: planRollback([r1, r2.r], req()) });
    const d = decideRelease(r2.get(), { type: 'rollback.finished', at: at(13, 2), ok: false, reason: 'image pull failed' });
    assert.equal(d.facts[0]?.type === 'release.rollback' && d.facts[0].outcome, 'failure');
    r2.send({ type: 'rollback.finished', at: at(13, 2), ok: false, reason: 'image pull failed' });
    assert.equal(r2.get().state, 'failed');
    assert.equal(r2.get().rollback?.detail, 'image pull failed');
  });

  it('a rollback during verification fails the release first and cancels the bake timer', () => {
    const r1 = release('rel-1', '1.2.0', 9, 'announced').r;
    const r2 = release('rel-2', '1.3.0', 10, 'deploying', undefined, 'rel-1');
    assert.throws(() => planRollback([r1, r2.get()], req()), { code: 'RELEASE_BUSY' });
    r2.send({ type: 'deploy.finished', at: at(10, 5), ok: true });
    const plan = planRollback([r1, r2.get()], req());
    const d = decideRelease(r2.get(), { type: 'rollback.requested', at: at(13), plan });
    assert.deepEqual(
      d.facts.map((f) => f.type),
      ['release.failed', 'rollback.started'],
    );
    assert.equal(d.facts[0]?.type === 'release.failed' && d.facts[0].gate, 'rollback');
  });
});

describe('one deploy per service and environment', () => {
  it('refuses a second deploy while one is deploying or verifying, with the busy release named', () => {
    const r1 = release('rel-1', '1.2.0', 9, 'announced').r;
    const r2 = release('rel-2', '1.3.0', 10, 'deploying').r;
    const other: Release = { ...r2, id: 'rel-x', env: 'staging' };
    assert.deepEqual(canStartDeploy([r1], 'mimic', 'prod'), { ok: true });
    const c = canStartDeploy([r1, r2, other], 'mimic', 'prod');
    assert.equal(c.ok, false);
    assert.ok(!c.ok && c.code === 'RELEASE_BUSY' && c.busy === 'rel-2' && /deploying 1\.3\.0/.test(c.message));
    assert.equal(canStartDeploy([r1, r2], 'mimic', 'staging').ok, true);
    assert.equal(canStartDeploy([{ ...r2, state: 'verifying' }], 'mimic', 'prod').ok, false);
    assert.equal(canStartDeploy([release('rel-3', '1.4.0', 11, 'planned').r], 'mimic', 'prod').ok, true);
  });
});

describe('the reason a rollback runbook is given', () => {
  it('is one line of at most 200 characters; the plan (and so the ledger) keeps the whole reason', () => {
    assert.equal(runbookReason('gate smoke failed:\n  healthz 500\r\n'), 'gate smoke failed: healthz 500');
    const long = `gate deploy failed: run 1 rolled_back: step healthy failed (timed out): ${'x'.repeat(300)}`;
    const cut = runbookReason(long);
    assert.equal(cut.length, RUNBOOK_REASON_MAX);
    assert.ok(cut.endsWith('…') && long.startsWith(cut.slice(0, -1)));
    assert.match(cut, /^\S[^\r\n]{2,199}$/, 'what the example rollback runbooks accept');
    // A surrogate pair at the cut is dropped whole, not split.
    const astral = runbookReason(`${'a'.repeat(RUNBOOK_REASON_MAX - 2)}😀${'b'.repeat(10)}`);
    assert.equal(astral, `${'a'.repeat(RUNBOOK_REASON_MAX - 2)}…`);
    const exact = 'r'.repeat(RUNBOOK_REASON_MAX);
    assert.equal(runbookReason(exact), exact);

    const r1 = release('rel-1', '1.2.0', 9, 'announced').r;
    const r2 = release('rel-2', '1.3.0', 10, 'failed').r;
    const plan = planRollback([r1, r2], { service: 'mimic', env: 'prod', at: at(11), actor: 'system', reason: long, ledger: { ok: true, at: at(11) } });
    assert.equal(plan.reason, long);
    assert.equal(rollbackInputs(r2, plan)['reason'], cut);
  });
});
