// Continuous health: the scheduler that runs the catalog's checks (probes and verdicts live elsewhere).
export {
  CheckScheduler,
  DEFAULT_CHECK_MAX_CONCURRENT,
  DEFAULT_CHECK_MAX_PER_HOST,
  type CheckJob,
  type OverrunEvent,
  type OverrunReason,
  type SchedulerOptions,
  type SchedulerStats,
  type SchedulerTimers,
  type StartEvent,
  type StartKind,
} from './scheduler.js';
export type { LatenessSummary } from './lateness.js';
export { nextTickAtOrAfter, phaseOf } from './phase.js';
export { HealthService, type CheckView, type HealthAlert, type HealthServiceOptions, type LastResult } from './service.js';
export { HealthRecorder, type RecordedCheck } from './recorder.js';
export { judge, observationOf, probeSpecOf, type CheckOutcome } from './observe.js';
export { catalogPath, CatalogInvalidError, loadCatalog, readCatalogFiles, CATALOG_DIR, CATALOG_FILE, type LoadedCatalog } from './catalog-file.js';
export { catalogLoadedDraft, checkChangedDraft, serviceChangedDraft, verdictChangedDraft } from './drafts.js';
export { evaluateChecklists, gatherFacts, queryPrometheus, type FactSources, type PrometheusQueryOptions } from './facts.js';
export { budgetSeries, checkWindow, computeSlos, sloReport, type SloComputed, type SloOptions } from './slo.js';
