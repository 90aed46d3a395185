// Drills: what a drill is, what it measures and how its verdict is reached. Pure, so the runner, the
// CLI, the server and the UI judge a result by one rule.

export const DRILL_KINDS = ['restore', 'escalation', 'rollback', 'chaos'] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];

/** The evidence bundle kind (ledger format §7) every drill writes. */
export const DRILL_EVIDENCE_KIND = 'runledger.drill/v1';

/** Seed 001: RPO ≤ 15 min, RTO ≤ 60 min; a drill page should arrive within a minute. */
export const DEFAULT_DRILL_TARGETS: Required<DrillTargets> = { rtoSeconds: 3600, rpoSeconds: 900, deliverySeconds: 60 };

export interface DrillTargets {
  readonly rtoSeconds?: number;
  readonly rpoSeconds?: number;
  readonly deliverySeconds?: number;
}

/** What a drill measured; each kind fills what fits (restore: rto/rpo, escalation: delivery, …). */
export interface DrillMeasured {
  readonly rtoSeconds?: number;
  readonly rpoSeconds?: number;
  /** Restore: ledger entries appended since the backup was taken (the RPO counted in entries). */
  readonly rpoEntries?: number;
  readonly deliverySeconds?: number;
  /** Escalation: seconds from the deadline to the level-2 page. */
  readonly escalationSeconds?: number;
  /** Named step timings in seconds, in the order they ran. */
  readonly steps?: Readonly<Record<string, number>>;
}

/** One thing the drill checked, e.g. "ledger re-derived equals the manifest checkpoint". */
export interface DrillCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export function isDrillKind(v: unknown): v is DrillKind {
  return typeof v === 'string' && (DRILL_KINDS as readonly string[]).includes(v);
}

export interface DrillVerdict {
  readonly passed: boolean;
  /** Why it failed, one line each; empty when it passed. */
  readonly reasons: readonly string[];
}

/** A drill passes when every check holds and every measured figure that has a target is within it. */
export function judgeDrill(measured: DrillMeasured, targets: DrillTargets, checks: readonly DrillCheck[]): DrillVerdict {
  const reasons: string[] = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  const within = (name: string, value: number | undefined, target: number | undefined): void => {
    if (value === undefined || target === undefined) return;
    if (!(value <= target)) reasons.push(`${name} ${value.toFixed(3)} s is over the target ${target} s`);
  };
  within('RTO', measured.rtoSeconds, targets.rtoSeconds);
  within('RPO', measured.rpoSeconds, targets.rpoSeconds);
  within('delivery', measured.deliverySeconds, targets.deliverySeconds);
  return { passed: reasons.length === 0, reasons };
}

/** `drill-20261207T195843Z-1a2b3c`: sortable by start time, unique with the random suffix. */
export function drillId(startedAt: Date, suffix: string): string {
  const ts = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `drill-${ts}-${suffix}`;
}
