// Tables of releases (migration 0012).
import type { ColumnType } from 'kysely';
import type { OperationsDatabase } from '../operations/schema.js';

type Int8 = ColumnType<number | string | bigint, number, number>;

export interface ReleasesTable {
  id: string;
  service: string;
  env: string;
  version: string;
  state: string;
  busy: number;
  created_at: string;
  updated_at: string;
  rev: number;
  bake_due_ms: Int8 | null;
  /** A rollback asked for and waiting for its approval (JSON), or null. */
  pending: string | null;
  model: string;
}

export interface ReleaseFactsTable {
  release_id: string;
  seq: number;
  at: string;
  type: string;
  fact: string;
}

/** The release tables and the operations outbox they queue ledger drafts in. */
export interface ReleasesDatabase extends Pick<OperationsDatabase, 'ops_outbox'> {
  releases: ReleasesTable;
  release_facts: ReleaseFactsTable;
}
