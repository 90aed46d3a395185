// Folding facts into a release: the only way a release changes, so replaying its stored facts rebuilds it.
import type { ReleaseFact } from './facts.js';
import type { Gate, Release } from './types.js';

export function applyReleaseFact(r: Release | undefined, f: ReleaseFact): Release {
  if (f.type === 'release.created') {
    if (r) throw new Error(`release ${r.id} already exists`);
    return { ...f.release, updatedAt: f.at };
  }
  if (!r) throw new Error(`fact ${f.type} before release.created`);
  const m = { ...r, updatedAt: f.at };
  switch (f.type) {
    case 'deploy.started':
      return { ...m, state: 'deploying', deployStartedAt: f.at };
    case 'deploy.finished':
      // A failed deploy is followed by release.failed; only success moves on to the gates.
      return f.ok ? { ...m, state: 'verifying', deployedAt: f.at } : m;
    case 'gate.decided':
      return { ...m, gates: m.gates.map((g): Gate => (g.name === f.gate ? decided(g, f) : g)) };
    case 'bake.started':
      return { ...m, bakeStartedAt: f.at, bakeEndsAt: f.endsAt };
    case 'release.announced':
      return { ...m, state: 'announced', announcedAt: f.at };
    case 'release.failed':
      return { ...m, state: 'failed', failedAt: f.at, failure: { gate: f.gate, reason: f.reason } };
    case 'rollback.proposed':
      return { ...m, rollbackProposed: { at: f.at, mode: f.mode, reason: f.reason } };
    case 'ledger.override':
      return m;
    case 'rollback.started':
      return {
        ...m,
        rollback: {
          to: f.to,
          fromVersion: f.fromVersion,
          toVersion: f.toVersion,
          mode: f.mode,
          ...(f.revision !== undefined ? { revision: f.revision } : {}),
          actor: f.actor,
          reason: f.reason,
          ...(f.approvedBy !== undefined ? { approvedBy: f.approvedBy } : {}),
          startedAt: f.at,
        },
      };
    case 'release.rollback': {
      if (!m.rollback) throw new Error(`release.rollback before rollback.started on ${m.id}`);
      const rollback = {
        ...m.rollback,
        outcome: f.outcome,
        finishedAt: f.at,
        ...(f.detail !== undefined ? { detail: f.detail } : {}),
        ...(f.runId !== undefined ? { runId: f.runId } : {}),
      };
      // A failed rollback leaves the release where it was: the old state says what is still running.
      return f.outcome === 'success' ? { ...m, state: 'rolled_back', rollback } : { ...m, rollback };
    }
    case 'run.started':
      if (f.purpose === 'deploy') return { ...m, deployRunId: f.runId };
      if (f.purpose === 'gate') return { ...m, gates: m.gates.map((g): Gate => (g.name === f.gate ? { ...g, runId: f.runId } : g)) };
      return m.rollback ? { ...m, rollback: { ...m.rollback, runId: f.runId } } : m;
    case 'rollback.refused':
      return { ...m, rollbackRefused: { at: f.at, code: f.code, reason: f.reason } };
    case 'post-rollback.checked':
      if (!m.rollback) throw new Error(`post-rollback.checked before rollback.started on ${m.id}`);
      return { ...m, rollback: { ...m.rollback, postChecks: { passed: f.passed, at: f.at, ...(f.reason !== undefined ? { reason: f.reason } : {}) } } };
  }
}

function decided(g: Gate, f: Extract<ReleaseFact, { type: 'gate.decided' }>): Gate {
  return {
    ...g,
    passed: f.passed,
    at: f.at,
    ...(f.reason !== undefined ? { reason: f.reason } : {}),
    ...(f.runId !== undefined ? { runId: f.runId } : {}),
  };
}

export function replayRelease(facts: readonly ReleaseFact[]): Release {
  let r: Release | undefined;
  for (const f of facts) r = applyReleaseFact(r, f);
  if (!r) throw new Error('no facts');
  return r;
}
