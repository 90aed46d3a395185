// The restore drill on PostgreSQL: the backup's dump is restored into a scratch DATABASE that an
// administrator created once and set up with docs/sql/postgres-roles.sql (Runledger's roles cannot
// create databases), named by the option targetDatabase (--target-database) or RUNLEDGER_DRILL_PG_DATABASE.
// The drill checks it is set up and empty before it restores, and empties it again afterwards, pass or
// fail, so the next drill can use it; it never empties a database it did not find empty.
import { checkPgRestoreTarget, emptyPgRestoreTarget, type PgRestoreTarget } from '../../backups/pgrestore.js';
import { describeError, RuntimeError } from '../../errors.js';
import type { DrillSetup } from '../kind.js';
import { stringOption } from '../options.js';

export const DRILL_PG_DATABASE_SETTING = 'RUNLEDGER_DRILL_PG_DATABASE';
export const TARGET_DATABASE_OPTION = 'targetDatabase';

export interface PgScratch {
  readonly database: string;
  /** Where the name came from, for messages: the option or the setting. */
  readonly from: string;
  /** The restore's target: the drill's settings (the store's server and roles), another database. */
  readonly target: PgRestoreTarget;
}

const SETUP_HINT =
  'create an empty database on the server of RUNLEDGER_DATABASE_URL, set it up for the same roles with docs/sql/postgres-roles.sql (as for the live one)';

/** The scratch database of a restore drill on this store; undefined on SQLite (which restores into the scratch directory). */
export function pgScratchOf(s: DrillSetup): PgScratch | undefined {
  const option = stringOption(s.options, TARGET_DATABASE_OPTION);
  if (s.ledger.store.config.kind !== 'postgres') {
    if (option !== undefined)
      throw new RuntimeError(
        'DRILL_INVALID',
        `option ${TARGET_DATABASE_OPTION} (--target-database): this store is SQLite, whose restore drill restores into its scratch directory; a scratch database is for PostgreSQL stores`,
      );
    return undefined;
  }
  const settings = s.settings ?? process.env;
  const set = settings[DRILL_PG_DATABASE_SETTING]?.trim();
  const database = option ?? (set ? set : undefined);
  if (database === undefined)
    throw new RuntimeError(
      'DRILL_INVALID',
      `a restore drill on PostgreSQL restores into a scratch database: ${SETUP_HINT}, and name it with --target-database NAME (API options.${TARGET_DATABASE_OPTION}) or ${DRILL_PG_DATABASE_SETTING}; the drill empties it again after each run`,
    );
  return {
    database,
    from: option !== undefined ? `option ${TARGET_DATABASE_OPTION} (--target-database)` : DRILL_PG_DATABASE_SETTING,
    target: { database, env: settings },
  };
}

/**
 * The scratch database is a name, not the live database, reachable, set up and empty: refused with
 * DRILL_INVALID otherwise (the preflight; nothing is recorded). The restore checks it again.
 */
export async function checkPgScratch(p: PgScratch): Promise<void> {
  try {
    await checkPgRestoreTarget(p.target);
  } catch (e) {
    const d = describeError(e);
    const hint =
      d.code === 'RESTORE_TARGET_NOT_EMPTY' && !/live database/.test(d.message)
        ? `; a drill stopped before it could empty it leaves it full: drop it and ${SETUP_HINT.replace('create an empty database', 'create it again')}`
        : d.code === 'RESTORE_TARGET_NOT_READY' && /cannot connect/.test(d.message)
          ? `; ${SETUP_HINT}`
          : '';
    throw new RuntimeError('DRILL_INVALID', `the scratch database ${p.database} (${p.from}): ${d.code}: ${d.message}${hint}`, { cause: e });
  }
}

/** Empties the scratch database again (Runledger's two schemas stay, as set up). */
export async function emptyPgScratch(p: PgScratch): Promise<void> {
  await emptyPgRestoreTarget(p.target);
}
