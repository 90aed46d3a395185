// Tables of runs: the run's record, its event history (the state machine's input, replayed on
// restart), step output blobs (size-capped, outside the ledger tables), locks, leases and settings.
import { sql, type ColumnType, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';
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

export function runTablesMigration(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('runbook_id', 'text', (c) => c.notNull())
        .addColumn('runbook_title', 'text', (c) => c.notNull())
        .addColumn('runbook_hash', 'text', (c) => c.notNull())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('requester', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('inputs', 'text', (c) => c.notNull())
        .addColumn('lock_name', 'text')
        .addColumn('event_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('runs_state').on('runs').columns(['state', 'created_at']).execute();
      await db.schema.createIndex('runs_created').on('runs').column('created_at').execute();
      await db.schema
        .createTable('run_events')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_events_pk', ['run_id', 'seq'])
        .execute();
      await db.schema
        .createTable('run_outputs')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('step_id', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('data', caps.bytesType, (c) => c.notNull())
        .addColumn('bytes_total', caps.int8Type, (c) => c.notNull())
        .addColumn('truncated', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_outputs_pk', ['run_id', 'phase', 'step_id', 'attempt', 'stream'])
        .execute();
      await db.schema
        .createTable('run_locks')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('acquired_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('run_leases')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('expires_ms', caps.int8Type, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      void sql;
    },
  };
}
