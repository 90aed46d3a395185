// Creating a release: validate what was asked, fix its gates and bake settings in the release.created
// fact (later configuration changes do not rewrite a release's verdict), state planned.
import type { ServiceRunbooks } from '../catalog/types.js';
import { ReleaseRuleError } from './errors.js';
import type { ReleaseDecision } from './facts.js';
import { DEFAULT_BAKE, type BakeConfig, type Gate, type Release, type ReleaseArtifact, type ReleaseMigration } from './types.js';

export interface ReleaseSpec {
  readonly id: string;
  readonly service: string;
  readonly env: string;
  readonly version: string;
  readonly artifact: ReleaseArtifact;
  readonly manifestDigest?: string;
  readonly migration?: ReleaseMigration;
  /** The rollback target; the driver passes the announced release in place (currentRelease). */
  readonly previous?: string;
  readonly requestedBy: string;
  /** Gate runbooks (the catalog's `verify`, seed 000's smoke) and the service's "healthy iff" checklist. */
  readonly gates: { readonly runbooks?: readonly string[]; readonly checklist?: string };
  readonly runbooks?: { readonly deploy?: string; readonly rollback?: string; readonly downgrade?: string };
  readonly postRollbackChecklist?: string;
  readonly runbookInputs?: Readonly<Record<string, string>>;
  readonly bake?: Partial<BakeConfig>;
}

export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
export const BAKE_GATE = 'bake';

/** The catalog's runbooks for a release: deploy, the verify gate and rollback. */
export function releaseRunbooksOf(r: ServiceRunbooks): { deploy?: string; rollback?: string; downgrade?: string; gates: string[] } {
  return {
    ...(r.deploy !== undefined ? { deploy: r.deploy } : {}),
    ...(r.rollback !== undefined ? { rollback: r.rollback } : {}),
    ...(r['downgrade'] !== undefined ? { downgrade: r['downgrade'] } : {}),
    gates: r.verify !== undefined ? [r.verify] : [],
  };
}

function invalid(message: string): never {
  throw new ReleaseRuleError('RELEASE_INVALID', message);
}

export function createRelease(spec: ReleaseSpec, at: string): ReleaseDecision {
  for (const k of ['id', 'service', 'env', 'version', 'requestedBy'] as const) if (!spec[k].trim()) invalid(`a release needs a ${k}`);
  if (!spec.artifact.ref.trim()) invalid('a release needs an artifact reference');
  if (!DIGEST_RE.test(spec.artifact.digest)) invalid(`artifact digest ${JSON.stringify(spec.artifact.digest)} is not sha256: and 64 lowercase hex digits`);
  if (spec.manifestDigest !== undefined && !DIGEST_RE.test(spec.manifestDigest))
    invalid(`manifest digest ${JSON.stringify(spec.manifestDigest)} is not sha256: and 64 lowercase hex digits`);
  if (spec.migration && !spec.migration.id.trim()) invalid('a migration needs an id');
  const bake: BakeConfig = { ...DEFAULT_BAKE, ...spec.bake };
  if (!Number.isFinite(bake.durationMs) || bake.durationMs < 0) invalid(`bake window ${bake.durationMs} ms is not a duration`);
  if (!(bake.maxBurnRate > 0)) invalid(`burn rate threshold ${bake.maxBurnRate} must be above 0`);

  const gates: Gate[] = [
    ...(spec.gates.runbooks ?? []).map((r): Gate => ({ name: r, kind: 'runbook', target: r, passed: null })),
    ...(spec.gates.checklist !== undefined ? [{ name: spec.gates.checklist, kind: 'checklist' as const, target: spec.gates.checklist, passed: null }] : []),
    { name: BAKE_GATE, kind: 'bake', passed: null },
  ];
  const names = gates.map((g) => g.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) invalid(`gate ${dup} is named twice`);

  const release: Release = {
    id: spec.id,
    service: spec.service,
    env: spec.env,
    version: spec.version,
    artifact: spec.artifact,
    ...(spec.manifestDigest !== undefined ? { manifestDigest: spec.manifestDigest } : {}),
    ...(spec.migration ? { migration: spec.migration } : {}),
    ...(spec.previous !== undefined ? { previous: spec.previous } : {}),
    requestedBy: spec.requestedBy,
    state: 'planned',
    gates,
    bake,
    runbooks: spec.runbooks ?? {},
    ...(spec.postRollbackChecklist !== undefined ? { postRollbackChecklist: spec.postRollbackChecklist } : {}),
    ...(spec.runbookInputs && Object.keys(spec.runbookInputs).length > 0 ? { runbookInputs: spec.runbookInputs } : {}),
    createdAt: at,
    updatedAt: at,
  };
  return { facts: [{ type: 'release.created', at, release }], commands: [] };
}
