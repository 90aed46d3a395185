// Which drill kinds this build runs: kind → runner (the one place a kind is wired in), with the checks
// each runs before it starts and its default environment.
import { DRILL_KINDS, isDrillKind, type DrillKind } from '@runledger/core';
import { RuntimeError } from '../errors.js';
import type { DrillKindRunner, DrillPreflight } from './kind.js';
import { chaosPreflight, runChaosDrill } from './kinds/chaos.js';
import { escalationPreflight, runEscalationDrill } from './kinds/escalation.js';
import { restorePreflight, runRestoreDrill } from './kinds/restore.js';
import { rollbackPreflight, runRollbackDrill } from './kinds/rollback.js';

/** The runners; a kind missing here is refused with DRILL_NOT_AVAILABLE, never a pass. */
export const DRILL_RUNNERS: Partial<Record<DrillKind, DrillKindRunner>> = {
  restore: runRestoreDrill,
  escalation: runEscalationDrill,
  rollback: runRollbackDrill,
  chaos: runChaosDrill,
};

/** Checks before a drill starts (bad options, a missing part): refused, nothing recorded. */
export const DRILL_PREFLIGHTS: Partial<Record<DrillKind, DrillPreflight>> = {
  restore: restorePreflight,
  escalation: escalationPreflight,
  rollback: rollbackPreflight,
  chaos: chaosPreflight,
};

/** The environment a kind runs in when none is given (seed 003: the rollback drill is a staging drill). */
export const DRILL_DEFAULT_ENV: Partial<Record<DrillKind, string>> = { rollback: 'staging' };

export interface DrillKindSpec {
  readonly kind: DrillKind;
  readonly run: DrillKindRunner;
  readonly preflight?: DrillPreflight;
  readonly defaultEnv?: string;
}

/** The kinds this build can run. */
export function availableDrillKinds(): DrillKind[] {
  return DRILL_KINDS.filter((k) => DRILL_RUNNERS[k] !== undefined);
}

export function drillKindOf(kind: string): DrillKindSpec {
  if (!isDrillKind(kind)) throw new RuntimeError('DRILL_INVALID', `no drill kind ${JSON.stringify(kind)}: expected one of ${DRILL_KINDS.join(', ')}`);
  const run = DRILL_RUNNERS[kind];
  if (!run)
    throw new RuntimeError(
      'DRILL_NOT_AVAILABLE',
      `the ${kind} drill is not built into this version yet (available: ${availableDrillKinds().join(', ')}); nothing was recorded`,
    );
  const preflight = DRILL_PREFLIGHTS[kind];
  const defaultEnv = DRILL_DEFAULT_ENV[kind];
  return { kind, run, ...(preflight ? { preflight } : {}), ...(defaultEnv !== undefined ? { defaultEnv } : {}) };
}
