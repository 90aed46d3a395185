// 0001: the three ledger tables, the control-entry index and the append-only triggers.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';
import { controlTypePredicate } from '../ledger/control-types.js';
import { LEDGER_TABLES } from '../schema.js';

export function ledgerTablesMigration(caps: DialectCapabilities): Migration {
  return {
    // Migrations see an untyped database: they must not depend on today's table types.
    async up(db: Kysely<unknown>): Promise<void> {
      const schema = caps.ledgerSchema ? db.schema.withSchema(caps.ledgerSchema) : db.schema;
      const len = (col: string) => sql`${sql.raw(caps.byteLengthFn)}(${sql.ref(col)})`;

      await schema
        .createTable('ledger_entries')
        .addColumn('seq', caps.int8Type, (c) =>
          c
            .primaryKey()
            .notNull()
            .check(sql`${sql.ref('seq')} >= 0`),
        )
        .addColumn('idem', 'text', (c) => c.unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('bytes', caps.bytesType, (c) => c.notNull().check(sql`${len('bytes')} between 2 and 65536`))
        .addColumn('leaf', caps.bytesType, (c) => c.notNull().check(sql`${len('leaf')} = 32`))
        .execute();

      await schema
        .createTable('ledger_nodes')
        .addColumn('level', 'integer', (c) => c.notNull().check(sql`${sql.ref('level')} between 0 and 63`))
        .addColumn('idx', caps.int8Type, (c) => c.notNull().check(sql`${sql.ref('idx')} >= 0`))
        .addColumn('hash', caps.bytesType, (c) => c.notNull().check(sql`${len('hash')} = 32`))
        .addPrimaryKeyConstraint('ledger_nodes_pk', ['level', 'idx'])
        .modifyEnd(sql.raw(caps.compositeKeyTableSuffix))
        .execute();

      await schema
        .createTable('ledger_checkpoints')
        .addColumn('size', caps.int8Type, (c) =>
          c
            .primaryKey()
            .notNull()
            .check(sql`${sql.ref('size')} >= 1`),
        )
        .addColumn('root', caps.bytesType, (c) => c.notNull().check(sql`${len('root')} = 32`))
        .addColumn('note', 'text', (c) => c.notNull())
        .execute();

      // Partial index: the writer's startup reads genesis and rotation entries without a full scan.
      // The predicate is a literal list so the query can repeat it verbatim (SQLite needs that to use it).
      await sql.raw(`CREATE INDEX ledger_entries_control ON ${caps.qualified('ledger_entries')} (seq) WHERE ${controlTypePredicate()}`).execute(db);

      for (const stmt of caps.appendOnlyPrelude()) await sql.raw(stmt).execute(db);
      for (const table of LEDGER_TABLES) {
        for (const stmt of caps.appendOnlyTriggers(table)) await sql.raw(stmt).execute(db);
      }
    },
  };
}
