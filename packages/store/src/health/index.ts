// Storage of continuous health: checks, samples, hourly rollups, service states, checklist verdicts.
export type { HealthDatabase } from './schema.js';
export * from './health-store.js';
