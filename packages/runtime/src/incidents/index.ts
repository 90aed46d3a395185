// Incidents: intake, decisions, timers, deliveries and the ledger outbox of the operations layer.
export * from './service.js';
export * from './recipients.js';
export * from './decide.js';
export * from './drafts.js';
export * from './loop.js';
export * from './deliver.js';
export * from './pump.js';
export * from './host.js';
export * from './evidence.js';
export * from './test-notify.js';
export * from './approvals.js';
export * from './approval-watch.js';
export * from './drill-plan.js';
