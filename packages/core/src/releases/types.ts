// A release: one version of one service going to one environment, the gates it must pass before it is
// announced, and what it rolls back to. Pure data; the machine (machine.ts) is the only thing that
// changes it, by folding facts (apply.ts), so a stored release is always the replay of its facts.
import type { HealthState } from '../catalog/types.js';
import type { IncidentSeverity } from '../incidents/severity.js';

export const RELEASE_STATES = ['planned', 'deploying', 'verifying', 'announced', 'failed', 'rolled_back'] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

/** Any artifact with a SHA-256: an image reference pinned to `:X.Y.Z` (seed 000) and its digest. */
export interface ReleaseArtifact {
  readonly ref: string;
  /** `sha256:` and 64 lowercase hex digits. */
  readonly digest: string;
}

/**
 * Seed 000: an additive schema change rolls back image-only (the old image runs on the new schema); a
 * destructive one needs a downgrade to an explicit revision. `revision` is the schema revision this
 * release leaves the database at (alembic's head after it), a hint for the downgrade target.
 */
export const MIGRATION_KINDS = ['none', 'additive', 'destructive'] as const;
export type MigrationKind = (typeof MIGRATION_KINDS)[number];
export interface ReleaseMigration {
  readonly id: string;
  readonly kind: MigrationKind;
  readonly revision?: string;
}

export type GateKind = 'runbook' | 'checklist' | 'bake';

export interface Gate {
  /** Unique within the release; the bake gate is always `bake`. */
  readonly name: string;
  readonly kind: GateKind;
  /** The runbook id (runbook gates) or checklist name (checklist gates) it runs. */
  readonly target?: string;
  /** null while it has not decided. */
  readonly passed: boolean | null;
  readonly reason?: string;
  readonly runId?: string;
  readonly at?: string;
}

/** off: a failed gate only fails; on: it also starts a rollback; approval: it asks a person first. */
export const AUTO_ROLLBACK_MODES = ['off', 'on', 'approval'] as const;
export type AutoRollback = (typeof AUTO_ROLLBACK_MODES)[number];

/**
 * The bake window after the gate runbooks pass: the release is announced only if, for `durationMs`, no
 * incident at `failSeverity` opened, the service was never down, and no SLO burned at `maxBurnRate` or more.
 * Stored on the release when it is created, so a later configuration change does not rewrite its verdict.
 */
export interface BakeConfig {
  readonly durationMs: number;
  readonly maxBurnRate: number;
  readonly failSeverity: IncidentSeverity;
  readonly failHealth: readonly HealthState[];
  readonly autoRollback: AutoRollback;
}

export const DEFAULT_BAKE: BakeConfig = { durationMs: 10 * 60_000, maxBurnRate: 14.4, failSeverity: 'SEV-1', failHealth: ['down'], autoRollback: 'off' };

export interface RollbackRecord {
  /** The release it goes back to, and the versions the seed 003 line names. */
  readonly to: string;
  readonly fromVersion: string;
  readonly toVersion: string;
  readonly mode: 'image-only' | 'downgrade';
  readonly revision?: string;
  readonly actor: string;
  readonly reason: string;
  readonly approvedBy?: string;
  readonly startedAt: string;
  readonly runId?: string;
  readonly outcome?: 'success' | 'failure';
  readonly detail?: string;
  readonly finishedAt?: string;
  /** Seed 003's post-rollback checklist: health, queue, audit chain, notification, compliance mode. */
  readonly postChecks?: { readonly passed: boolean; readonly reason?: string; readonly at: string };
}

export interface Release {
  readonly id: string;
  readonly service: string;
  readonly env: string;
  readonly version: string;
  readonly artifact: ReleaseArtifact;
  readonly manifestDigest?: string;
  readonly migration?: ReleaseMigration;
  /** The release in place when this one was created: its default rollback target. */
  readonly previous?: string;
  readonly requestedBy: string;
  readonly state: ReleaseState;
  readonly gates: readonly Gate[];
  readonly bake: BakeConfig;
  /**
   * The catalog's deploy and rollback runbooks for the service (ServiceRunbooks), when it names them;
   * `downgrade` runs instead of `rollback` for a plan that downgrades the schema (seed 000).
   */
  readonly runbooks: { readonly deploy?: string; readonly rollback?: string; readonly downgrade?: string };
  /** Seed 003's checks after a rollback (health, queue, audit chain, notification, compliance mode). */
  readonly postRollbackChecklist?: string;
  /** The catalog's fixed runbook inputs for the service (where it runs: host, port); the release's own fields win. */
  readonly runbookInputs?: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly deployStartedAt?: string;
  readonly deployedAt?: string;
  readonly bakeStartedAt?: string;
  readonly bakeEndsAt?: string;
  readonly announcedAt?: string;
  readonly failedAt?: string;
  /** Which gate (or `deploy`) failed and why: a failed release always says. */
  readonly failure?: { readonly gate: string; readonly reason: string };
  /** Set when a failed gate asked for a rollback under the policy (on or approval). */
  readonly rollbackProposed?: { readonly at: string; readonly mode: 'on' | 'approval'; readonly reason: string };
  readonly rollback?: RollbackRecord;
  /** The deploy runbook's run, once it started. */
  readonly deployRunId?: string;
  /** The last rollback the rules refused (automatic or approved), and why. */
  readonly rollbackRefused?: { readonly at: string; readonly code: string; readonly reason: string };
  readonly updatedAt: string;
}
