// Storage of job schedules: each schedule's newest slot and last outcome, one row per slot dealt with.
export type { SchedulesDatabase } from './schema.js';
export * from './schedule-store.js';
