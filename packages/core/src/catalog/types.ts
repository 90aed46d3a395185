// The service catalog: services, their components and checks, dependencies, checklists and SLOs, as
// loaded from `catalog.yaml` (or a `catalog/` directory, or Backstage `catalog-info.yaml`). Pure data.
import type { IncidentSeverity } from '../incidents/severity.js';
import type { Condition } from './conditions.js';
import type { CatalogProbe } from './probe.js';
import type { SloEventQueries } from '../slo/objectives.js';
import type { DrillKind } from '../drills/types.js';

/** What a check or service is known to be. `degraded` is for services and components only. */
export type CheckState = 'up' | 'down' | 'unknown';
export type HealthState = CheckState | 'degraded';
export const HEALTH_STATES: readonly HealthState[] = ['up', 'degraded', 'down', 'unknown'];

export interface Check {
  /** Unique in the catalog: `service/name`, `service/component/name`, or the `id` given in the file. */
  readonly id: string;
  readonly name: string;
  readonly service: string;
  readonly component?: string;
  readonly description?: string;
  readonly probe: CatalogProbe;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive failures before the check is down (Gatus's default: 3). */
  readonly failureThreshold: number;
  /** Consecutive successes before a down check is up again (Gatus's default: 2). */
  readonly successThreshold: number;
  /** All must hold for a result to count as a success. */
  readonly conditions: readonly Condition[];
  readonly severity: IncidentSeverity;
  /** An optional check that is down degrades its service instead of taking it down. */
  readonly optional: boolean;
  /** Per-host concurrency key (`127.0.0.1:8080`): probes of one host are capped together. */
  readonly hostKey: string;
}

export interface Component {
  /** `service/name`, the form a dependency uses to point at it. */
  readonly id: string;
  readonly name: string;
  readonly service: string;
  readonly type?: string;
  readonly description?: string;
  readonly optional: boolean;
  readonly checks: readonly Check[];
}

/** An edge of the dependency graph: a whole service or one component of one. */
export type DependencyTarget = { readonly service: string } | { readonly component: string };
export type Dependency = DependencyTarget & { readonly optional: boolean };

/** Runbook ids by purpose; `deploy`, `verify` and `rollback` are the ones releases look for. */
export type ServiceRunbooks = Readonly<Record<string, string>> & { readonly deploy?: string; readonly verify?: string; readonly rollback?: string };

export interface Service {
  readonly name: string;
  readonly description?: string;
  readonly owner?: string;
  /** Backstage `spec.system`, `spec.type`, `spec.lifecycle` when imported from there (or written). */
  readonly system?: string;
  readonly type?: string;
  readonly lifecycle?: string;
  readonly runbooks: ServiceRunbooks;
  /** An escalation policy name from the operations file. */
  readonly escalation?: string;
  readonly severity?: IncidentSeverity;
  readonly components: readonly Component[];
  readonly dependsOn: readonly Dependency[];
  /** The service's own checks (component checks live on their component). */
  readonly checks: readonly Check[];
  /** How its releases are gated and rolled back (`runledger release`). */
  readonly release?: ServiceReleaseSettings;
}

/** A service's release settings: the gating checklist, seed 003's post-rollback checklist, the bake window. */
export interface ServiceReleaseSettings {
  readonly checklist?: string;
  readonly postRollback?: string;
  readonly bakeMs?: number;
  readonly maxBurnRate?: number;
  readonly failSeverity?: IncidentSeverity;
  readonly autoRollback?: 'off' | 'on' | 'approval';
  /** Environments where a person's rollback needs someone else's approval (default: production). */
  readonly approvals?: readonly string[];
  /** Fixed inputs of its release runbooks (where the service runs); never secrets. */
  readonly inputs?: Readonly<Record<string, string>>;
}

export type ChecklistItemSpec =
  | { readonly kind: 'check'; readonly check: string; readonly allow: readonly HealthState[] }
  | { readonly kind: 'service'; readonly service: string; readonly allow: readonly HealthState[] }
  | { readonly kind: 'ledger'; readonly mode: 'full' | 'sampled'; readonly sample?: number }
  | { readonly kind: 'noBypass' }
  | { readonly kind: 'anchors' }
  | { readonly kind: 'backup' }
  /** The newest drill of this kind passed and finished no longer than withinMs ago (seed 001: monthly restore drills). */
  | { readonly kind: 'drill'; readonly drill: DrillKind; readonly withinMs: number }
  | { readonly kind: 'noOpenIncident'; readonly severity: IncidentSeverity; readonly service?: string }
  | { readonly kind: 'ready'; readonly target: 'runledger' }
  | { readonly kind: 'prometheus'; readonly query: string; readonly op: ComparisonOp; readonly threshold: number; readonly url?: string };

export type ChecklistItem = ChecklistItemSpec & { readonly name: string };

export interface Checklist {
  readonly name: string;
  readonly description?: string;
  /** Healthy if and only if every item holds. */
  readonly items: readonly ChecklistItem[];
}

export type ComparisonOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * A service level objective over the probe history: availability (`objective` percent of the time up),
 * or latency with `latency` set (`objective` percent of probes answering within it: p95 ≤ 250 ms is
 * `objective: 95, latency: 250ms`).
 */
export interface SloSpec {
  readonly name: string;
  readonly service: string;
  readonly description?: string;
  /** Percent, in (0, 100). */
  readonly objective: number;
  /** Rolling window (default 30 days). */
  readonly windowMs: number;
  readonly latencyMs?: number;
  /** Check ids whose history counts (default: every check of the service and its components). */
  readonly checks?: readonly string[];
  readonly basis?: 'time' | 'samples';
  readonly minFailures?: number;
  /** Events counted by Prometheus instead of the probe history (no checks, latency or basis then). */
  readonly prometheus?: SloEventQueries;
  /** The entry as written. */
  readonly spec: Readonly<Record<string, unknown>>;
}

export interface Catalog {
  readonly services: readonly Service[];
  readonly checklists: readonly Checklist[];
  readonly slos: readonly SloSpec[];
}
