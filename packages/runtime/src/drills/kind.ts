// The contract between the drill runner and each drill kind: a kind does the drill and measures it;
// the runner owns the id, the ledger entries, the verdict (core's judgeDrill) and the evidence bundle.
import type { DrillCheck, DrillMeasured, DrillTargets } from '@runledger/core';
import type { Actor } from '@runledger/ledger';
import type { BundleFile } from '../evidence/files.js';
import type { OperationsHost } from '../incidents/host.js';
import type { LedgerContext } from '../ledger/service.js';
import type { EscalationDrillOptions } from './escalation/options.js';

/** What the escalation drill needs of the operations layer: a running OperationsHost (the server's) fits. */
export type DrillOperations = Pick<OperationsHost, 'config' | 'service' | 'raiseFrom' | 'wake'>;
import type { ReleaseDriver } from '../releases/driver.js';

/** A kind's options: CLI flags or the API body's `options` (the kind's preflight says which it takes). */
export type DrillOptions = Readonly<Record<string, string | boolean | undefined>>;

export interface DrillRunContext {
  /** e.g. drill-20261207T195843Z-1a2b3c (core's drillId). */
  readonly id: string;
  readonly env?: string;
  readonly actor: Actor;
  /** The live ledger, opened for writing. */
  readonly ledger: LedgerContext;
  /** A private scratch directory for this drill, removed by the runner afterwards. */
  readonly scratch: string;
  /** The targets this drill is judged against (defaults merged with configuration). */
  readonly targets: DrillTargets;
  /** One line of the drill's log: shown live (terminal, UI) and kept in the evidence as log.txt. */
  log(line: string): void;
  now(): Date;
  readonly signal?: AbortSignal;
  /**
   * The operations layer in force, with its loops running (the server passes its host). Without it the
   * escalation drill opens one over `ledger` with the operations file of RUNLEDGER_CONFIG (else the data directory's).
   */
  readonly operations?: DrillOperations;
  /** Escalation drill settings; without them, RUNLEDGER_DRILL_* from the environment (escalation/options.ts). */
  readonly escalation?: EscalationDrillOptions;
  /** The kind's options, checked by its preflight before the drill started. */
  readonly options?: DrillOptions;
  /** The settings the host runs with (RUNLEDGER_* and the rest of its environment): backup and anchor directories, child processes. */
  readonly settings?: Readonly<Record<string, string | undefined>>;
  /** The host's release driver, with its ports (rollback drills deploy and roll back through it). */
  readonly releases?: ReleaseDriver;
  /** The argv that runs the `runledger` command, e.g. [node, …/bin/runledger.js] (chaos kill-run starts a run with it). */
  readonly runledger?: readonly string[];
}

/** What a preflight sees: the drill as asked, before it has an id or a scratch directory. */
export type DrillSetup = Pick<DrillRunContext, 'env' | 'actor' | 'ledger' | 'targets' | 'options' | 'settings' | 'releases' | 'runledger' | 'operations'>;

/**
 * Checks a drill's input before anything is recorded: a bad option or a missing part is a coded error
 * (DRILL_INVALID, DRILL_REFUSED, DRILL_NOT_AVAILABLE) and no drill is started, so bad input never
 * leaves a failed drill in the history.
 */
export type DrillPreflight = (s: DrillSetup) => void | Promise<void>;

export interface DrillOutcome {
  readonly measured: DrillMeasured;
  readonly checks: readonly DrillCheck[];
  /** Extra evidence files (paths relative to the bundle, e.g. `restore/checks.json`). */
  readonly files?: readonly BundleFile[];
  /** Ledger entries to cite in the evidence with their receipts. */
  readonly cite?: readonly number[];
  /** What was done, in order, for the evidence's summary. */
  readonly steps?: readonly string[];
}

export type DrillKindRunner = (ctx: DrillRunContext) => Promise<DrillOutcome>;
