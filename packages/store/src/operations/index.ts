// Storage of the operations layer: alert bodies, incidents, timers, deliveries, silences, hand-offs.
export type { OperationsDatabase } from './schema.js';
export * from './incident-store.js';
export * from './intake-store.js';
export * from './delivery-store.js';
export * from './silence-store.js';
export * from './outbox.js';
