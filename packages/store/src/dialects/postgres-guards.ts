// Probes, by trying them, that the PostgreSQL ledger tables still refuse edits: UPDATE, DELETE and
// TRUNCATE (the append-only triggers) and a row that does not continue the stored tree (the
// tree-continuity triggers). A restore (pg_restore of a dump someone could have edited) that came back
// without a trigger, with one disabled or with a trigger function that no longer refuses would leave
// history editable; looking at pg_trigger alone would miss the last two. Every attempt runs inside one
// transaction that is always rolled back, as the main role (the owner: the triggers fire for it too).
// It takes ACCESS EXCLUSIVE locks (TRUNCATE): meant for a database nobody uses yet, such as a restore.
import { sql, type Kysely } from 'kysely';
import { LEDGER_SCHEMA } from '../postgres-roles.js';
import { LEDGER_TABLES, type Database, type LedgerTable } from '../schema.js';
import { TREE_BREAK_SQLSTATE } from './postgres-continuity.js';

const APPEND_ONLY_MESSAGE = 'ledger tables are append-only';
const ZERO32 = `'\\x${'00'.repeat(32)}'::bytea`;

/** A column each table's probe UPDATE sets to itself, and a row that does not continue the stored tree. */
const PROBES: Record<LedgerTable, { readonly column: string; readonly breakRow: string }> = {
  // An entry after a gap (its leaf is right, so only continuity refuses it).
  ledger_entries: {
    column: 'type',
    breakRow: `INSERT INTO ${LEDGER_SCHEMA}.ledger_entries (seq, idem, type, ts, bytes, leaf)
      SELECT coalesce(max(seq), 0) + 2, NULL, 'probe', 'probe', '\\x7b7d'::bytea, sha256('\\x007b7d'::bytea) FROM ${LEDGER_SCHEMA}.ledger_entries`,
  },
  // A leaf node for an entry that is not stored.
  ledger_nodes: {
    column: 'hash',
    breakRow: `INSERT INTO ${LEDGER_SCHEMA}.ledger_nodes (level, idx, hash) SELECT 0, coalesce(max(idx), 0) + 2, ${ZERO32} FROM ${LEDGER_SCHEMA}.ledger_nodes WHERE level = 0`,
  },
  // A checkpoint for a size the entries do not have.
  ledger_checkpoints: {
    column: 'note',
    breakRow: `INSERT INTO ${LEDGER_SCHEMA}.ledger_checkpoints (size, root, note) SELECT coalesce(max(size), 0) + 2, ${ZERO32}, 'probe' FROM ${LEDGER_SCHEMA}.ledger_checkpoints`,
  },
};

class RollBack extends Error {}

interface PgError {
  readonly code?: string;
  readonly message: string;
}

/**
 * Tries each edit the ledger tables must refuse and returns what went through or was refused for
 * another reason (empty: every guard is in place). UPDATE and DELETE need a row to fire on: an empty
 * table is reported, since it cannot be probed.
 */
export async function probePostgresLedgerGuards(db: Kysely<Database>): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (trx: Kysely<Database>, what: string, text: string, refused: (e: PgError) => boolean, expected: string): Promise<void> => {
    await sql.raw('SAVEPOINT guard_probe').execute(trx);
    try {
      const r = await sql.raw(text).execute(trx);
      problems.push(`${what} went through${r.numAffectedRows !== undefined ? ` (${r.numAffectedRows} rows)` : ''}: ${expected} is missing or disabled`);
    } catch (e) {
      const err = e as PgError;
      if (!refused(err)) problems.push(`${what} was refused, but not by ${expected}: ${err.code ?? ''} ${err.message}`);
    } finally {
      await sql.raw('ROLLBACK TO SAVEPOINT guard_probe').execute(trx);
    }
  };
  const appendOnly = (e: PgError): boolean => e.message.includes(APPEND_ONLY_MESSAGE);
  const continuity = (e: PgError): boolean => e.code === TREE_BREAK_SQLSTATE;
  try {
    await db.transaction().execute(async (trx) => {
      for (const t of LEDGER_TABLES) {
        const table = `${LEDGER_SCHEMA}.${t}`;
        const { column, breakRow } = PROBES[t];
        const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${sql.raw(table)} LIMIT 1) x`.execute(trx);
        if (rows.rows[0]!.n === 0) problems.push(`${table} is empty: its UPDATE and DELETE triggers cannot be probed`);
        else {
          const one = `(SELECT ctid FROM ${table} LIMIT 1)`;
          await attempt(
            trx,
            `UPDATE on ${table}`,
            `UPDATE ${table} SET ${column} = ${column} WHERE ctid = ${one}`,
            appendOnly,
            `the append-only trigger ${t}_append_only`,
          );
          await attempt(trx, `DELETE on ${table}`, `DELETE FROM ${table} WHERE ctid = ${one}`, appendOnly, `the append-only trigger ${t}_append_only`);
        }
        await attempt(trx, `TRUNCATE on ${table}`, `TRUNCATE ${table}`, appendOnly, `the trigger ${t}_no_truncate`);
        await attempt(trx, `a row that does not continue ${table}`, breakRow, continuity, `the tree-continuity trigger ${t}_continue`);
      }
      throw new RollBack();
    });
  } catch (e) {
    if (!(e instanceof RollBack)) throw e;
  }
  return problems;
}
