// Drills: the runner, its registry of kinds, the history from the ledger, settings.
export type { DrillKindRunner, DrillOptions, DrillOutcome, DrillPreflight, DrillRunContext, DrillSetup } from './kind.js';
export { runDrill, type DrillResult, type RunDrillOptions } from './runner.js';
export { availableDrillKinds, drillKindOf, DRILL_DEFAULT_ENV, DRILL_PREFLIGHTS, DRILL_RUNNERS, type DrillKindSpec } from './registry.js';
export {
  checkDrillId,
  DRILL_FINISHED,
  DRILL_STARTED,
  drillIdem,
  drillRecordOf,
  getDrill,
  lastDrillPerKind,
  listDrills,
  readDrillSummary,
  type DrillPage,
  type DrillRecord,
} from './history.js';
export { defaultDrillDir, DRILL_DIR_SETTING, drillSettings, drillTargets } from './settings.js';
export { CHAOS_SCENARIOS, type ChaosScenario } from './kinds/chaos.js';
export { PROBE_TYPE } from './kinds/chaos-db-pause.js';
export { drillFact } from './fact.js';
export { DRILL_PG_DATABASE_SETTING } from './kinds/restore-pg.js';
