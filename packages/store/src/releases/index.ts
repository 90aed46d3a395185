// Storage of releases: facts, the snapshot, the bake timer and the rollback waiting for approval.
export type { ReleasesDatabase } from './schema.js';
export * from './release-store.js';
