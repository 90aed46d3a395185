// What a release hands its runbooks: its own fields as snake_case inputs (as runbooks name them). The
// driver passes only those a runbook declares, since unknown inputs are refused.
import type { RollbackPlan } from './rollback.js';
import type { Release } from './types.js';

export function releaseInputs(r: Release): Record<string, string> {
  return {
    ...r.runbookInputs,
    release: r.id,
    service: r.service,
    env: r.env,
    version: r.version,
    artifact: r.artifact.ref,
    digest: r.artifact.digest,
    ...(r.manifestDigest !== undefined ? { manifest_digest: r.manifestDigest } : {}),
    ...(r.migration ? { migration: r.migration.id, migration_kind: r.migration.kind } : {}),
    ...(r.migration?.revision !== undefined ? { migration_revision: r.migration.revision } : {}),
  };
}

/** Runbook inputs are short single lines (a gate's reason can quote a whole body): the full text stays in the release. */
export const MAX_INPUT_REASON = 180;
export function inputText(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > MAX_INPUT_REASON ? `${one.slice(0, MAX_INPUT_REASON - 1)}…` : one;
}

/** Seed 000/003: image-only unless a destructive migration needs a downgrade to the plan's revision. */
export function rollbackInputs(r: Release, plan: RollbackPlan): Record<string, string> {
  return {
    ...r.runbookInputs,
    release: r.id,
    service: r.service,
    env: r.env,
    from: plan.fromVersion,
    to: plan.toVersion,
    artifact: plan.toArtifact.ref,
    digest: plan.toArtifact.digest,
    mode: plan.mode,
    reason: inputText(plan.reason),
    ...(plan.revision !== undefined ? { revision: plan.revision } : {}),
  };
}
