// 0002: runs, their events, outputs, locks, leases and settings (table types: runs/schema.ts).
import { type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

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
    },
  };
}
