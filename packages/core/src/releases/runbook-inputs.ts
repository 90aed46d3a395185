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

/** The longest reason a rollback runbook takes: one line, as its `reason` input's pattern says (`\S[^\r\n]{2,199}`). */
export const RUNBOOK_REASON_MAX = 200;

/**
 * A rollback's reason as a runbook input: one line (runs of white space, newlines included, become one
 * space), cut to RUNBOOK_REASON_MAX characters with an ellipsis. An automatic rollback's reason quotes
 * the failed gate's whole explanation, which the runbook would refuse; the ledger keeps it in full.
 */
export function runbookReason(reason: string): string {
  const line = reason.replace(/\s+/g, ' ').trim();
  if (line.length <= RUNBOOK_REASON_MAX) return line;
  // Counted in UTF-16 units, as a pattern without the u flag counts them; a surrogate pair is never split.
  let cut = RUNBOOK_REASON_MAX - 1;
  if (/[\uD800-\uDBFF]/.test(line[cut - 1] ?? '')) cut--;
  return `${line.slice(0, cut).trimEnd()}…`;
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
    reason: runbookReason(plan.reason),
    ...(plan.revision !== undefined ? { revision: plan.revision } : {}),
  };
}
