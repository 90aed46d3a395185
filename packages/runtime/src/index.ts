// Public surface of @runledger/runtime.
export * from './errors.js';
export * from './ledger/service.js';
export { renderErrorsDoc } from './errors-doc.js';
export * from './engine/adapters.js';
export * from './engine/engine.js';
export * from './engine/open.js';
export * from './runbooks/catalogue.js';
export { realExecutor } from './engine/executor.js';
export { DEFAULT_COMMAND_PROBE_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS, MAX_PROBE_BODY_BYTES, runProbe, type ProbeOptions } from './probes/index.js';
export * from './notify/index.js';
export { currentRequestId, requestTagged, tagRequestId, withRequestId } from './request-context.js';
export * from './gates.js';
export * from './incidents/index.js';
export * from './evidence/index.js';
export * from './operations/config.js';
// For callers that resolve secrets themselves (operations secrets): hold them so the ledger screen refuses them.
export { heldSecretCount, holdSecrets, Redactor, REDACTION_MARK, withSecrets } from './redact.js';
export * from './health/index.js';
export * from './releases/index.js';
export * from './backups/index.js';
export * from './anchors/index.js';
export * from './drills/index.js';
export { runEscalationDrill, DRILL_ALERTNAME, DRILL_SOURCE } from './drills/kinds/escalation.js';
export * from './drills/escalation/index.js';
export * from './destinations/index.js';
export * from './schedules/index.js';
