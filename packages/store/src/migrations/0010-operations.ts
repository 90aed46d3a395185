// 0010: alerts, incidents and notifications (table types: operations/schema.ts). The incident's facts
// are the truth (replayed to rebuild it); the incidents row is a snapshot for lists. Every change also
// queues its ledger entries in ops_outbox in the same transaction, so a crash never loses one.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function operationsMigration(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('alert_bodies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('integration', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('alert_count', 'integer', (c) => c.notNull())
        .addColumn('processed', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('alert_bodies_pending').on('alert_bodies').columns(['processed', 'received_at']).execute();
      await db.schema
        .createTable('incident_bodies')
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('body_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('incident_bodies_pk', ['incident_id', 'body_id'])
        .execute();
      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('integration', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('alerts_incident').on('alerts').column('incident_id').execute();
      await db.schema
        .createTable('incidents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('ack_due_at', 'text')
        .addColumn('owner', 'text')
        .addColumn('resolved_at', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('context', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .execute();
      // One open incident per key, across processes: a second opener fails and attaches instead.
      await sql`CREATE UNIQUE INDEX incidents_open_key ON incidents (key) WHERE state <> 'resolved'`.execute(db);
      await db.schema.createIndex('incidents_key').on('incidents').columns(['key', 'opened_at']).execute();
      await db.schema.createIndex('incidents_list').on('incidents').columns(['state', 'opened_at']).execute();
      await db.schema
        .createTable('incident_facts')
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('fact', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('incident_facts_pk', ['incident_id', 'seq'])
        .execute();
      await db.schema
        .createTable('incident_timers')
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('due', 'text', (c) => c.notNull())
        .addColumn('due_ms', caps.int8Type, (c) => c.notNull())
        .addPrimaryKeyConstraint('incident_timers_pk', ['incident_id', 'kind'])
        .execute();
      await db.schema.createIndex('incident_timers_due').on('incident_timers').column('due_ms').execute();
      await db.schema
        .createTable('deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('fact_seq', 'integer', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('receiver', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('next_ms', caps.int8Type)
        .addColumn('lease_ms', caps.int8Type)
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('deliveries_due').on('deliveries').columns(['state', 'next_ms']).execute();
      await db.schema.createIndex('deliveries_incident').on('deliveries').columns(['incident_id', 'created_at']).execute();
      await db.schema
        .createTable('silences')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('matchers', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'text', (c) => c.notNull())
        .addColumn('ends_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('comment', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expired_by', 'text')
        .execute();
      await db.schema
        .createTable('handoffs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('by', 'text', (c) => c.notNull())
        .addColumn('schedule', 'text', (c) => c.notNull())
        .addColumn('to_person', 'text')
        .addColumn('risks', 'text', (c) => c.notNull())
        .execute();
      await sql
        .raw(
          caps.name === 'sqlite'
            ? 'CREATE TABLE ops_outbox (n INTEGER PRIMARY KEY AUTOINCREMENT, idem TEXT NOT NULL UNIQUE, draft TEXT NOT NULL)'
            : 'CREATE TABLE ops_outbox (n BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, idem TEXT NOT NULL UNIQUE, draft TEXT NOT NULL)',
        )
        .execute(db);
    },
  };
}
