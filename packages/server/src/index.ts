// Public surface of @runledger/server.
export { createApp, type App, type AppDeps, type RateLimits } from './app.js';
export { EngineEvents, RunWorker } from './worker.js';
export { openServerEngine, type ServerEngine } from './open.js';
export { principalOf, type Principal } from './auth.js';
export { isStoreUnavailable } from './failures.js';
export { API_ERRORS, ApiError, describeError, ERROR_CATALOGUE, renderErrorsDoc, type ApiErrorCode, type ErrorCode } from './errors.js';
export { parseTrustProxy } from './limits.js';
export { CredentialCache } from './auth-cache.js';
// The incidents API's JSON shapes, for the CLI's --json (one shape for both).
export { deliveryOf, detailOf, silenceOf, summaryOf } from './incidents/routes.js';
// Continuous health for the CLI: the facts a store answers, the last verification, what a check probes.
export { activeBypassesOf, openIncidentFact } from './health/facts.js';
export { readStoredVerification, verificationFact } from './verification.js';
export { checkJson, targetOf } from './health/routes.js';
export type { HealthDeps } from './health/host.js';
export type { SchedulesDeps } from './schedules/deps.js';
export { checklistReason } from './releases/host.js';
export { releaseJson } from './releases/routes.js';
export type { DrillsDeps } from './drills/deps.js';
