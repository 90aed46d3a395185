// 0013: job schedules (table types: schedules/schema.ts). schedule_state holds each schedule's newest
// slot dealt with (missed runs are the slots after it), the cron and zone it was dealt with under
// (`spec`), and its last outcome; a schedule's decisions lock its row. schedule_slots holds one row per slot dealt with: its primary key (name, slot_ms) is
// what makes a slot fire once however many processes share the database. A running slot carries its
// owner and a lease the owner renews; a lease that ran out is a run whose process died.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function schedulesMigration(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('schedule_state')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('last_slot_ms', caps.int8Type, (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('last_outcome', 'text')
        .addColumn('last_outcome_slot_ms', caps.int8Type)
        .addColumn('last_outcome_ms', caps.int8Type)
        .addColumn('last_success_ms', caps.int8Type)
        .addColumn('last_ref', 'text')
        .addColumn('last_detail', 'text')
        .addColumn('updated_ms', caps.int8Type, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('schedule_slots')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('slot_ms', caps.int8Type, (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text')
        .addColumn('owner', 'text')
        .addColumn('lease_until_ms', caps.int8Type)
        .addColumn('decided_ms', caps.int8Type, (c) => c.notNull())
        .addColumn('started_ms', caps.int8Type)
        .addColumn('finished_ms', caps.int8Type)
        .addColumn('until_ms', caps.int8Type)
        .addColumn('ref', 'text')
        .addColumn('detail', 'text')
        .addPrimaryKeyConstraint('schedule_slots_pk', ['name', 'slot_ms'])
        .execute();
      // The few slots in flight, found without reading the history.
      await sql`CREATE INDEX schedule_slots_active ON schedule_slots (state, lease_until_ms) WHERE state IN ('running', 'queued')`.execute(db);
    },
  };
}
