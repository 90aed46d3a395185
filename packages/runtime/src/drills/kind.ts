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
}

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
