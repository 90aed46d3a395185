// What the release service needs from the world, supplied by the server (its worker, health host and
// integrity check) or by the CLI (an in-process engine and the store). Small on purpose: each port is
// one question, so the service's rules stay testable over real stores with plain functions.
import type { BakeObservation, BakeConfig, LedgerVerification, Release, ReleaseCommand } from '@runledger/core';

export interface RunResult {
  readonly runId?: string;
  readonly ok: boolean;
  /** Why it failed (the failed step and its output's last line, or why it never started). */
  readonly reason?: string;
}

export interface RunbookRequest {
  readonly purpose: 'deploy' | 'gate' | 'rollback';
  readonly runbook: string;
  /** The release's fields; the port passes only the inputs the runbook declares. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly release: Release;
  /** Who the run is requested by (the release's requester, or the rollback's actor). */
  readonly by: string;
  /** Called as soon as the run exists, before it ends: the release view links it while it runs. */
  readonly started?: (runId: string) => void;
}

/** A service's release settings from the catalog: gates, runbooks, the post-rollback checklist, bake. */
export interface ReleaseDefaults {
  readonly gates: { readonly runbooks: readonly string[]; readonly checklist?: string };
  readonly runbooks: { readonly deploy?: string; readonly rollback?: string; readonly downgrade?: string };
  readonly postRollbackChecklist?: string;
  readonly bake?: Partial<BakeConfig>;
  /** Environments where a person's rollback needs someone else's approval first (default: production). */
  readonly approvalEnvs?: readonly string[];
  /** Fixed inputs of the release runbooks (the catalog's `release.inputs`). */
  readonly inputs?: Readonly<Record<string, string>>;
}

export interface ReleasePorts {
  /** Runs a runbook to its end (through any approval gate it has). Never throws: a run that could not start is `ok: false`. */
  runRunbook(req: RunbookRequest): Promise<RunResult>;
  /** Waits for a run started before this process restarted, and says how it ended. */
  awaitRun(runId: string): Promise<RunResult>;
  /** A "healthy iff" checklist's verdict now. */
  evaluateChecklist(name: string): Promise<{ readonly passed: boolean; readonly reason?: string }>;
  /** The ledger verified now (seed 003: before any rollback). */
  verifyLedger(): Promise<LedgerVerification>;
  /** What the bake window watches: the service's health, incidents opened since `since`, SLO burn rates. */
  observe(release: Release, since: string): Promise<BakeObservation[]>;
  /** The catalog's settings for a service (undefined: the service is not in the catalog). */
  defaults(service: string): ReleaseDefaults | undefined;
  /** Announced, failed, rolled back: told to whoever listens (notifications, metrics). */
  notify?(event: Extract<ReleaseCommand, { type: 'notify' }>['event'], release: Release): void;
}
