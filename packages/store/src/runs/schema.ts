// Tables of runs: the run's record, its event history (the state machine's input, replayed on
// restart), step output blobs (size-capped, outside the ledger tables), locks, leases and settings.
import type { ColumnType } from 'kysely';
import type { Int8 } from '../schema.js';

export interface RunsTable {
  id: string;
  runbook_id: string;
  runbook_title: string;
  runbook_hash: string;
  file: string;
  /** The runbook source that ran, so resume and audit use exactly it. */
  source: string;
  environment: string;
  requester: string;
  state: string;
  reason: string | null;
  /** JSON: inputs with secrets replaced by keyed hashes. */
  inputs: string;
  lock_name: string | null;
  event_count: number;
  created_at: string;
  updated_at: string;
}

export interface RunEventsTable {
  run_id: string;
  seq: number;
  at: string;
  type: string;
  /** JSON of the RunEvent. */
  event: string;
}

export interface RunOutputsTable {
  run_id: string;
  phase: string;
  step_id: string;
  attempt: number;
  stream: string;
  /** Redacted output, at most the cap. */
  data: ColumnType<Buffer, Buffer, Buffer>;
  bytes_total: Int8;
  truncated: number;
  /** SHA-256 (hex) of the whole redacted stream, as recorded in the ledger. */
  sha256: string;
}

export interface RunLocksTable {
  name: string;
  run_id: string;
  acquired_at: string;
}

export interface RunLeasesTable {
  run_id: string;
  owner: string;
  host: string;
  pid: number;
  expires_ms: Int8;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface RunsDatabase {
  runs: RunsTable;
  run_events: RunEventsTable;
  run_outputs: RunOutputsTable;
  run_locks: RunLocksTable;
  run_leases: RunLeasesTable;
  settings: SettingsTable;
}
