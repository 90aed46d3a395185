// 0012: releases (table types: releases/schema.ts). A release's facts are the truth (replayed to rebuild
// it); the releases row is its snapshot for lists, with an optimistic revision. `busy` marks a release
// deploying, verifying or rolling back: a partial unique index holds one per service and environment,
// across processes. `bake_due_ms` is the bake window's durable timer.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function releasesMigration(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('releases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('env', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('busy', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('rev', 'integer', (c) => c.notNull())
        .addColumn('bake_due_ms', caps.int8Type)
        .addColumn('pending', 'text')
        .addColumn('model', 'text', (c) => c.notNull())
        .execute();
      await sql`CREATE UNIQUE INDEX releases_busy ON releases (service, env) WHERE busy = 1`.execute(db);
      await db.schema.createIndex('releases_timeline').on('releases').columns(['service', 'env', 'created_at']).execute();
      await db.schema.createIndex('releases_created').on('releases').column('created_at').execute();
      await db.schema.createIndex('releases_bake_due').on('releases').column('bake_due_ms').execute();
      await db.schema
        .createTable('release_facts')
        .addColumn('release_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('fact', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('release_facts_pk', ['release_id', 'seq'])
        .execute();
    },
  };
}
