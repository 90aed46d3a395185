// 0011: continuous health (table types: health/schema.ts). Each check gets a small number so the sample
// table stays compact (SQLite WITHOUT ROWID, clustered on (check, time)); hourly rollups are written as
// samples arrive, so SLOs and charts read 720 rows per check for 30 days instead of every sample. State
// changes are ledger entries (queued in ops_outbox with the change), not history rows here.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function healthMigration(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('health_checks')
        .addColumn('no', 'integer', (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        // The threshold tracker (consecutive counts) and the last result, as JSON: a restart resumes them.
        .addColumn('tracker', 'text', (c) => c.notNull())
        .addColumn('last', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('health_samples')
        .addColumn('check_no', 'integer', (c) => c.notNull())
        .addColumn('at_ms', caps.int8Type, (c) => c.notNull())
        // 0 up, 1 down, 2 unknown: one byte a sample.
        .addColumn('state', 'integer', (c) => c.notNull())
        .addColumn('latency_ms', 'integer')
        // Only for failures (the closed set of probe reasons); null when the probe passed.
        .addColumn('reason', 'text')
        .addPrimaryKeyConstraint('health_samples_pk', ['check_no', 'at_ms'])
        .modifyEnd(sql.raw(caps.compositeKeyTableSuffix))
        .execute();
      await db.schema
        .createTable('health_rollups')
        .addColumn('check_no', 'integer', (c) => c.notNull())
        .addColumn('hour_ms', caps.int8Type, (c) => c.notNull())
        .addColumn('up_ms', caps.int8Type, (c) => c.notNull())
        .addColumn('down_ms', caps.int8Type, (c) => c.notNull())
        .addColumn('unknown_ms', caps.int8Type, (c) => c.notNull())
        .addColumn('samples', 'integer', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('unknown_samples', 'integer', (c) => c.notNull())
        .addColumn('latency_samples', 'integer', (c) => c.notNull())
        // {threshold ms: count at or under it} and the latency histogram {bucket: count}, as JSON.
        .addColumn('latency_counts', 'text', (c) => c.notNull())
        .addColumn('histogram', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('health_rollups_pk', ['check_no', 'hour_ms'])
        .modifyEnd(sql.raw(caps.compositeKeyTableSuffix))
        .execute();
      await db.schema
        .createTable('health_services')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addColumn('cause', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('health_verdicts')
        .addColumn('checklist', 'text', (c) => c.primaryKey())
        .addColumn('healthy', 'integer', (c) => c.notNull())
        .addColumn('items', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
